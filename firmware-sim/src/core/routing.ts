/** Route search (Dijkstra on travel time, binary heap over typed arrays) and route geometry. */
import type { RoadGraph } from './road-graph.js';
import type { Rng } from './prng.js';

export interface Route {
  /** Graph node ids along the route. */
  readonly nodes: Int32Array;
  /** Vertex positions in the local plane (metres). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Cumulative distance at each vertex (s[0] = 0). */
  readonly s: Float64Array;
  /** Per segment i (vertex i -> i+1): legal limit m/s and road class. */
  readonly limit: Float64Array;
  readonly cls: Uint8Array;
  /** Signed turn angle at each vertex in radians (left positive); 0 at both ends. */
  readonly turn: Float64Array;
  /** 1 where the vertex has traffic lights (never the first or last vertex). */
  readonly light: Uint8Array;
  readonly length: number;
}

/** Fastest path by free-flow travel time; null when `to` is unreachable. */
export function shortestPath(g: RoadGraph, from: number, to: number): Int32Array | null {
  if (from < 0 || from >= g.nodeCount || to < 0 || to >= g.nodeCount) throw new RangeError(`node out of range: ${from} -> ${to}`);
  if (from === to) return Int32Array.of(from);
  const dist = new Float64Array(g.nodeCount).fill(Infinity);
  const prev = new Int32Array(g.nodeCount).fill(-1);
  const heap = new MinHeap(g.nodeCount);
  dist[from] = 0;
  heap.push(from, 0);
  while (heap.size > 0) {
    const [u, du] = heap.pop();
    if (du > dist[u]!) continue;
    if (u === to) break;
    for (let k = g.adjStart[u]!; k < g.adjStart[u + 1]!; k++) {
      const e = g.adjEdge[k]!;
      const v = g.edgeTo[e]!;
      const dv = du + g.edgeLength[e]! / g.edgeLimit[e]!;
      if (dv < dist[v]!) {
        dist[v] = dv;
        prev[v] = u;
        heap.push(v, dv);
      }
    }
  }
  if (!Number.isFinite(dist[to]!)) return null;
  const path: number[] = [];
  for (let v = to; v !== -1; v = prev[v]!) path.push(v);
  return Int32Array.from(path.reverse());
}

/** A random destination from the main component at least `minDistM` (straight line) away, then the fastest path. */
export function pickRoute(g: RoadGraph, from: number, rng: Rng, minDistM = 1500): Route {
  let best = -1;
  let bestD = -1;
  for (let attempt = 0; attempt < 20; attempt++) {
    const cand = g.mainNodes[rng.int(g.mainNodes.length)]!;
    const d = Math.hypot(g.nodeX[cand]! - g.nodeX[from]!, g.nodeY[cand]! - g.nodeY[from]!);
    if (d > bestD) {
      best = cand;
      bestD = d;
    }
    if (d >= minDistM) break;
  }
  const path = shortestPath(g, from, best);
  if (!path || path.length < 2) throw new Error(`no route from node ${from} to ${best}`);
  return buildRoute(g, path);
}

export function edgeBetween(g: RoadGraph, a: number, b: number): number {
  for (let k = g.adjStart[a]!; k < g.adjStart[a + 1]!; k++) {
    const e = g.adjEdge[k]!;
    if (g.edgeTo[e] === b) return e;
  }
  return -1;
}

export function buildRoute(g: RoadGraph, nodes: Int32Array): Route {
  const m = nodes.length;
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  const s = new Float64Array(m);
  const limit = new Float64Array(Math.max(0, m - 1));
  const cls = new Uint8Array(Math.max(0, m - 1));
  const turn = new Float64Array(m);
  const light = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const n = nodes[i]!;
    x[i] = g.nodeX[n]!;
    y[i] = g.nodeY[n]!;
    if (i > 0) {
      const e = edgeBetween(g, nodes[i - 1]!, n);
      if (e < 0) throw new Error(`route is not connected: no road ${nodes[i - 1]} -> ${n}`);
      s[i] = s[i - 1]! + g.edgeLength[e]!;
      limit[i - 1] = g.edgeLimit[e]!;
      cls[i - 1] = g.edgeClass[e]!;
    }
    if (i > 0 && i < m - 1) light[i] = g.nodeLight[n]!;
  }
  for (let i = 1; i < m - 1; i++) {
    const h1 = Math.atan2(y[i]! - y[i - 1]!, x[i]! - x[i - 1]!);
    const h2 = Math.atan2(y[i + 1]! - y[i]!, x[i + 1]! - x[i]!);
    let d = h2 - h1;
    while (d > Math.PI) d -= 2 * Math.PI;
    while (d <= -Math.PI) d += 2 * Math.PI;
    turn[i] = d; // math angle: counter-clockwise (left) positive
  }
  return { nodes, x, y, s, limit, cls, turn, light, length: s[m - 1] ?? 0 };
}

class MinHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  size = 0;
  constructor(cap: number) {
    this.ids = new Int32Array(Math.max(16, cap));
    this.keys = new Float64Array(Math.max(16, cap));
  }
  push(id: number, key: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.ids = ids;
      this.keys = keys;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.ids[i] = this.ids[p]!;
      this.keys[i] = this.keys[p]!;
      i = p;
    }
    this.ids[i] = id;
    this.keys[i] = key;
  }
  pop(): [number, number] {
    const id = this.ids[0]!;
    const key = this.keys[0]!;
    const lastId = this.ids[--this.size]!;
    const lastKey = this.keys[this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.keys[r]! < this.keys[l]! ? r : l;
      if (this.keys[c]! >= lastKey) break;
      this.ids[i] = this.ids[c]!;
      this.keys[i] = this.keys[c]!;
      i = c;
    }
    this.ids[i] = lastId;
    this.keys[i] = lastKey;
    return [id, key];
  }
}
