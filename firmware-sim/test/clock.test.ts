import { describe, expect, it } from 'vitest';
import { parseDuration, VirtualClock, warp, type SampleChunk, type TimeSource } from '../src/core/index.js';
import { chunkMsFor, planFleet, virtualStartFor } from '../src/core/fleet-plan.js';

/** A manual time source: sleeping advances the clock instantly and records the requested delays. */
function fakeTime(start = 1_000_000): TimeSource & { sleeps: number[]; t: number } {
  const ft = {
    t: start,
    sleeps: [] as number[],
    now: () => ft.t,
    sleep: async (ms: number) => {
      ft.sleeps.push(ms);
      ft.t += ms;
    },
  };
  return ft;
}

describe('virtual clock and time warp', () => {
  it('runs speedup times faster than real time', () => {
    const time = fakeTime();
    const c = new VirtualClock(5_000_000, 60, time);
    expect(c.now()).toBe(5_000_000);
    time.t += 1000;
    expect(c.now()).toBe(5_060_000);
    expect(c.realDelayUntil(5_120_000)).toBe(1000);
    expect(c.realDelayUntil(0)).toBe(0);
    expect(() => new VirtualClock(0, 0, time)).toThrow(/speedup/);
  });

  it('releases each chunk when virtual time reaches its end (60x: one simulated minute per real second)', async () => {
    const time = fakeTime();
    const clock = new VirtualClock(0, 60, time);
    const chunks: SampleChunk[] = [0, 1, 2].map((i) => ({ fromMs: i * 60_000, toMs: (i + 1) * 60_000, samples: [], events: [] }));
    const released: number[] = [];
    for await (const _c of warp(chunks, clock)) released.push(time.t - 1_000_000);
    expect(released).toEqual([1000, 2000, 3000]);
  });

  it('does not wait at speedup Infinity and stops on abort', async () => {
    const time = fakeTime();
    const clock = new VirtualClock(0, Infinity, time);
    const chunks: SampleChunk[] = [0, 1, 2].map((i) => ({ fromMs: i * 1e9, toMs: (i + 1) * 1e9, samples: [], events: [] }));
    let n = 0;
    for await (const _ of warp(chunks, clock)) n++;
    expect(n).toBe(3);
    expect(time.sleeps).toEqual([]);
    const ac = new AbortController();
    n = 0;
    for await (const _ of warp(chunks, clock, ac.signal)) {
      n++;
      ac.abort();
    }
    expect(n).toBe(1);
  });

  it('backdates the virtual start so the drive never runs ahead of the real clock', () => {
    const now = 1_700_000_000_000;
    const D = 2 * 3_600_000;
    for (const s of [1, 60, 600]) {
      const start = virtualStartFor(now, D, s);
      const wall = D / s;
      expect(start + D).toBeCloseTo(now + wall, -1); // ends together
      for (const e of [0, wall / 2, wall]) expect(start + e * s).toBeLessThanOrEqual(now + e + 1);
    }
    expect(virtualStartFor(now, D, Infinity)).toBe(now - D);
    expect(chunkMsFor(60)).toBe(60_000);
    expect(chunkMsFor(1)).toBe(1000);
    expect(chunkMsFor(Infinity)).toBe(60_000);
  });
});

describe('parseDuration', () => {
  it('parses units and combinations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('45')).toBe(45_000);
  });
  it('rejects bad formats', () => {
    for (const bad of ['', '2 hours', 'h', '-5s', '5x', '1h-', 'abc']) expect(() => parseDuration(bad), bad).toThrow(/bad duration/);
  });
});

describe('planFleet', () => {
  it('assigns ids, profiles by mix and offline windows deterministically', () => {
    const a = planFleet({
      devices: 2000,
      seed: 's',
      profileMix: [
        ['calm', 0.5],
        ['aggressive', 0.5],
      ],
      offlineMs: 30_000,
      expectedWallMs: 120_000,
    });
    expect(a[0]!.deviceId).toBe('sim-0001');
    expect(a[1999]!.deviceId).toBe('sim-2000');
    expect(new Set(a.map((d) => d.deviceId)).size).toBe(2000);
    const calm = a.filter((d) => d.profile === 'calm').length;
    expect(calm).toBeGreaterThan(900);
    expect(calm).toBeLessThan(1100);
    expect(a.every((d) => d.offline && d.offline.startMs >= 0 && d.offline.endMs <= 120_000 && d.offline.endMs - d.offline.startMs === 30_000)).toBe(true);
    expect(
      planFleet({
        devices: 2000,
        seed: 's',
        profileMix: [
          ['calm', 0.5],
          ['aggressive', 0.5],
        ],
        offlineMs: 30_000,
        expectedWallMs: 120_000,
      }),
    ).toEqual(a);
  });
  it('spreads devices over tenants with ids numbered within each tenant, so they overlap', () => {
    const p = planFleet({ devices: 7, seed: 's', tenants: ['acme', 'globex', 'initech'] });
    expect(p.map((d) => `${d.tenant}/${d.deviceId}`)).toEqual([
      'acme/sim-0001',
      'globex/sim-0001',
      'initech/sim-0001',
      'acme/sim-0002',
      'globex/sim-0002',
      'initech/sim-0002',
      'acme/sim-0003',
    ]);
    // Profiles and seeds follow the fleet index, not the tenant: the same fleet as one tenant of 7.
    expect(p.map((d) => d.seed)).toEqual(planFleet({ devices: 7, seed: 's' }).map((d) => d.seed));
    expect(planFleet({ devices: 2, seed: 's' }).map((d) => d.tenant)).toEqual(['demo', 'demo']);
    expect(() => planFleet({ devices: 2, seed: 1, tenants: ['a', 'a'] })).toThrow(/distinct/);
    expect(() => planFleet({ devices: 2, seed: 1, tenants: ['a/b'] })).toThrow(/tenant/);
  });
  it('rejects bad counts and prefixes', () => {
    expect(() => planFleet({ devices: 0, seed: 1 })).toThrow(/devices/);
    expect(() => planFleet({ devices: 1.5, seed: 1 })).toThrow(/devices/);
    expect(() => planFleet({ devices: 2, seed: 1, prefix: 'a/b' })).toThrow(/prefix/);
  });
});
