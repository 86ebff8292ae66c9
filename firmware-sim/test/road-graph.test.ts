import { describe, expect, it } from 'vitest';
import { buildRoute, edgeBetween, generateCity, pickRoute, shortestPath, Rng, ROAD_CLASS, haversineM } from '../src/core/index.js';

describe('generated city', () => {
  const g = generateCity({ seed: 'test-city' });

  it('is deterministic for a seed and differs for another seed', () => {
    const again = generateCity({ seed: 'test-city' });
    expect(Array.from(again.nodeX)).toEqual(Array.from(g.nodeX));
    expect(Array.from(again.edgeLimit)).toEqual(Array.from(g.edgeLimit));
    const other = generateCity({ seed: 'other' });
    expect(Array.from(other.nodeX)).not.toEqual(Array.from(g.nodeX));
  });

  it('has local streets, arterials and a ring road with plausible limits, around the centre', () => {
    const classes = new Set(g.edgeClass);
    expect(classes).toEqual(new Set([ROAD_CLASS.local, ROAD_CLASS.arterial, ROAD_CLASS.ring]));
    for (let e = 0; e < g.edgeCount; e++) {
      const kmh = g.edgeLimit[e]! * 3.6;
      expect([30, 50, 60, 80]).toContain(Math.round(kmh));
      if (g.edgeClass[e] === ROAD_CLASS.ring) expect(Math.round(kmh)).toBe(80);
      expect(g.edgeLength[e]).toBeGreaterThan(50);
    }
    const centre = { lat: 52.52, lon: 13.405 };
    for (let n = 0; n < g.nodeCount; n++) {
      const p = g.projection.toLatLon(g.nodeX[n]!, g.nodeY[n]!);
      expect(haversineM(centre, p)).toBeLessThan(12_000);
    }
    expect(g.nodeLight.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
  });

  it('keeps the main component large and every main node reachable from another', () => {
    expect(g.mainNodes.length).toBeGreaterThan(0.9 * g.nodeCount);
    const rng = new Rng(1);
    for (let i = 0; i < 30; i++) {
      const a = g.mainNodes[rng.int(g.mainNodes.length)]!;
      const b = g.mainNodes[rng.int(g.mainNodes.length)]!;
      const path = shortestPath(g, a, b);
      expect(path).not.toBeNull();
      expect(path![0]).toBe(a);
      expect(path![path!.length - 1]).toBe(b);
      for (let k = 1; k < path!.length; k++) expect(edgeBetween(g, path![k - 1]!, path![k]!)).toBeGreaterThanOrEqual(0);
    }
  });

  it('finds the fastest path (no single-edge detour is faster)', () => {
    const rng = new Rng(2);
    const cost = (p: Int32Array) => {
      let c = 0;
      for (let k = 1; k < p.length; k++) {
        const e = edgeBetween(g, p[k - 1]!, p[k]!);
        c += g.edgeLength[e]! / g.edgeLimit[e]!;
      }
      return c;
    };
    for (let i = 0; i < 10; i++) {
      const a = g.mainNodes[rng.int(g.mainNodes.length)]!;
      const b = g.mainNodes[rng.int(g.mainNodes.length)]!;
      const best = cost(shortestPath(g, a, b)!);
      // Going through any neighbour of a first can never be cheaper than the optimum.
      for (let k = g.adjStart[a]!; k < g.adjStart[a + 1]!; k++) {
        const e = g.adjEdge[k]!;
        const via = shortestPath(g, g.edgeTo[e]!, b);
        if (via) expect(g.edgeLength[e]! / g.edgeLimit[e]! + cost(via)).toBeGreaterThanOrEqual(best - 1e-9);
      }
    }
  });

  it('builds connected routes with geometry, turn angles and lights only inside', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) {
      const r = pickRoute(g, g.mainNodes[rng.int(g.mainNodes.length)]!, rng, 1500);
      expect(r.nodes.length).toBeGreaterThan(1);
      expect(r.length).toBeGreaterThan(0);
      for (let k = 1; k < r.s.length; k++) expect(r.s[k]).toBeGreaterThan(r.s[k - 1]!);
      expect(r.light[0]).toBe(0);
      expect(r.light[r.light.length - 1]).toBe(0);
      for (const t of r.turn) expect(Math.abs(t)).toBeLessThanOrEqual(Math.PI);
    }
    expect(() => buildRoute(g, Int32Array.of(0, g.nodeCount - 1))).toThrow(/not connected/);
  });

  it('rejects bad options with clear errors', () => {
    expect(() => generateCity({ gridSize: 2 })).toThrow(/gridSize/);
    expect(() => generateCity({ spacingM: 1 })).toThrow(/spacingM/);
    expect(() => generateCity({ centre: { lat: 95, lon: 0 } })).toThrow(/latitude/);
  });
});
