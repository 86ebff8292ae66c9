/**
 * A generated city road network: a jittered grid of local streets, straighter arterials every few
 * blocks, and a ring road around it joined to the arterials. Stored in flat typed arrays (CSR
 * adjacency) so route search for thousands of devices stays cheap. Coordinates are metres in a local
 * plane around `centre` (x east, y north); `projection` converts to lat/lon.
 */
import { LocalProjection, type LatLon } from './geo.js';
import { Rng } from './prng.js';

export const ROAD_CLASS = { local: 0, arterial: 1, ring: 2 } as const;
export type RoadClassName = keyof typeof ROAD_CLASS;
const KMH = 1 / 3.6;

export interface CityOptions {
  centre: LatLon;
  /** Grid nodes per side (>= 4). */
  gridSize: number;
  /** Block length in metres. */
  spacingM: number;
  /** Every n-th grid line is an arterial. */
  arterialEvery: number;
  /** Node position jitter as a fraction of the spacing (local streets). */
  jitter: number;
  /** Fraction of local street segments removed (dead ends, one-block parks). */
  dropLocalFraction: number;
  /** Add a ring road around the grid. */
  ringRoad: boolean;
  seed: number | string;
}

export const DEFAULT_CITY: CityOptions = {
  centre: { lat: 52.52, lon: 13.405 },
  gridSize: 20,
  spacingM: 280,
  arterialEvery: 4,
  jitter: 0.14,
  dropLocalFraction: 0.08,
  ringRoad: true,
  seed: 'fleetwire-city',
};

export interface RoadGraph {
  readonly projection: LocalProjection;
  readonly nodeCount: number;
  readonly nodeX: Float64Array;
  readonly nodeY: Float64Array;
  /** 1 where the intersection has traffic lights. */
  readonly nodeLight: Uint8Array;
  /** 1 for nodes in the largest connected component (valid route endpoints). */
  readonly nodeMain: Uint8Array;
  /** Directed edges (every road is stored in both directions). */
  readonly edgeCount: number;
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeLength: Float64Array;
  /** Legal speed limit in m/s. */
  readonly edgeLimit: Float64Array;
  readonly edgeClass: Uint8Array;
  /** CSR: edges leaving node n are adjEdge[adjStart[n] .. adjStart[n+1]). */
  readonly adjStart: Int32Array;
  readonly adjEdge: Int32Array;
  /** Node ids of the main component, for picking destinations. */
  readonly mainNodes: Int32Array;
}

interface RawEdge {
  a: number;
  b: number;
  cls: number;
  limit: number;
}

export function generateCity(opts: Partial<CityOptions> = {}): RoadGraph {
  const o: CityOptions = { ...DEFAULT_CITY, ...opts, centre: opts.centre ?? DEFAULT_CITY.centre };
  if (!Number.isInteger(o.gridSize) || o.gridSize < 4 || o.gridSize > 200) throw new RangeError(`gridSize must be an integer in [4, 200], got ${o.gridSize}`);
  if (!(o.spacingM >= 50 && o.spacingM <= 5000)) throw new RangeError(`spacingM must be in [50, 5000], got ${o.spacingM}`);
  if (!Number.isInteger(o.arterialEvery) || o.arterialEvery < 1) throw new RangeError(`arterialEvery must be a positive integer, got ${o.arterialEvery}`);
  const projection = new LocalProjection(o.centre);
  const rng = new Rng(o.seed);
  const n = o.gridSize;
  const half = ((n - 1) * o.spacingM) / 2;
  const isArt = (i: number) => i % o.arterialEvery === 0 || i === n - 1;

  const xs: number[] = [];
  const ys: number[] = [];
  const light: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      // Arterials stay straight across their axis; local streets wander a little.
      const jx = isArt(c) ? 0.02 : o.jitter;
      const jy = isArt(r) ? 0.02 : o.jitter;
      xs.push(c * o.spacingM - half + rng.uniform(-1, 1) * jx * o.spacingM);
      ys.push(r * o.spacingM - half + rng.uniform(-1, 1) * jy * o.spacingM);
      const artCount = (isArt(r) ? 1 : 0) + (isArt(c) ? 1 : 0);
      light.push(artCount === 2 ? 1 : artCount === 1 && rng.chance(0.3) ? 1 : 0);
    }
  }
  const id = (r: number, c: number) => r * n + c;
  const raw: RawEdge[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (c + 1 < n) raw.push(gridEdge(id(r, c), id(r, c + 1), isArt(r), rng));
      if (r + 1 < n) raw.push(gridEdge(id(r, c), id(r + 1, c), isArt(c), rng));
    }
  }
  const kept = raw.filter((e) => e.cls !== ROAD_CLASS.local || !rng.chance(o.dropLocalFraction));

  if (o.ringRoad) {
    const radius = half * Math.SQRT2 + o.spacingM * 1.5;
    const ringN = Math.max(16, Math.round((2 * Math.PI * radius) / 450));
    const first = xs.length;
    for (let k = 0; k < ringN; k++) {
      const a = (2 * Math.PI * k) / ringN;
      xs.push(radius * Math.cos(a));
      ys.push(radius * Math.sin(a));
      light.push(0);
    }
    for (let k = 0; k < ringN; k++) kept.push({ a: first + k, b: first + ((k + 1) % ringN), cls: ROAD_CLASS.ring, limit: 80 * KMH });
    // Spokes: every arterial leaving the grid edge runs out to the nearest ring node.
    for (let i = 0; i < n; i++) {
      if (!isArt(i)) continue;
      for (const g of [id(0, i), id(n - 1, i), id(i, 0), id(i, n - 1)]) {
        let best = first;
        let bestD = Infinity;
        for (let k = 0; k < ringN; k++) {
          const d = Math.hypot(xs[first + k]! - xs[g]!, ys[first + k]! - ys[g]!);
          if (d < bestD) {
            bestD = d;
            best = first + k;
          }
        }
        if (!kept.some((e) => (e.a === g && e.b === best) || (e.a === best && e.b === g))) {
          kept.push({ a: g, b: best, cls: ROAD_CLASS.arterial, limit: 60 * KMH });
        }
      }
    }
  }
  return buildGraph(projection, xs, ys, light, kept);
}

function gridEdge(a: number, b: number, arterial: boolean, rng: Rng): RawEdge {
  if (arterial) return { a, b, cls: ROAD_CLASS.arterial, limit: (rng.chance(0.3) ? 60 : 50) * KMH };
  return { a, b, cls: ROAD_CLASS.local, limit: (rng.chance(0.6) ? 30 : 50) * KMH };
}

function buildGraph(projection: LocalProjection, xs: number[], ys: number[], light: number[], raw: RawEdge[]): RoadGraph {
  const nodeCount = xs.length;
  const edgeCount = raw.length * 2;
  const edgeFrom = new Int32Array(edgeCount);
  const edgeTo = new Int32Array(edgeCount);
  const edgeLength = new Float64Array(edgeCount);
  const edgeLimit = new Float64Array(edgeCount);
  const edgeClass = new Uint8Array(edgeCount);
  const degree = new Int32Array(nodeCount + 1);
  raw.forEach((e, i) => {
    const len = Math.hypot(xs[e.b]! - xs[e.a]!, ys[e.b]! - ys[e.a]!);
    for (const [k, f, t] of [
      [2 * i, e.a, e.b],
      [2 * i + 1, e.b, e.a],
    ] as const) {
      edgeFrom[k] = f;
      edgeTo[k] = t;
      edgeLength[k] = len;
      edgeLimit[k] = e.limit;
      edgeClass[k] = e.cls;
      degree[f]!++;
    }
  });
  const adjStart = new Int32Array(nodeCount + 1);
  for (let i = 0; i < nodeCount; i++) adjStart[i + 1] = adjStart[i]! + degree[i]!;
  const fill = adjStart.slice(0, nodeCount);
  const adjEdge = new Int32Array(edgeCount);
  for (let k = 0; k < edgeCount; k++) adjEdge[fill[edgeFrom[k]!]!++] = k;

  // Largest connected component (union-find), so every picked destination is reachable.
  const parent = new Int32Array(nodeCount).map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const e of raw) parent[find(e.a)] = find(e.b);
  const size = new Int32Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) size[find(i)]!++;
  let root = 0;
  for (let i = 0; i < nodeCount; i++) if (size[i]! > size[root]!) root = i;
  const nodeMain = new Uint8Array(nodeCount);
  const main: number[] = [];
  for (let i = 0; i < nodeCount; i++) {
    if (find(i) === root && degree[i]! > 0) {
      nodeMain[i] = 1;
      main.push(i);
    }
  }
  return {
    projection,
    nodeCount,
    nodeX: Float64Array.from(xs),
    nodeY: Float64Array.from(ys),
    nodeLight: Uint8Array.from(light),
    nodeMain,
    edgeCount,
    edgeFrom,
    edgeTo,
    edgeLength,
    edgeLimit,
    edgeClass,
    adjStart,
    adjEdge,
    mainNodes: Int32Array.from(main),
  };
}
