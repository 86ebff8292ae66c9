// RedisDedupe against a real Redis: batched claims (one Lua call per event-loop turn), the
// new -> pending -> done -> released cycle, two gateways racing on the same keys, and a Redis that
// dies and comes back (a private redis-server, so the shared one is not disturbed).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisDedupe } from '../src/adapters/redis/dedupe.js';
import { stackEnv, uniq } from './helpers/kafka.js';
import { freePort, sleep, waitFor } from './helpers/fixtures.js';

const env = stackEnv();
const open: Array<{ close(): Promise<void> | void }> = [];
afterAll(async () => {
  for (const o of open) await o.close();
});

function track<T extends { close(): Promise<void> | void }>(x: T): T {
  open.push(x);
  return x;
}

async function scriptCalls(r: Redis): Promise<number> {
  const info = await r.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)) n += Number(m[2]);
  return n;
}

function startRedis(port: number): ChildProcess {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((f) => existsSync(f)) ?? 'redis-server';
  return spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

describe('RedisDedupe on a real Redis', () => {
  it('claims 1200 keys of one turn in 3 script calls; pending, done and release behave', async () => {
    const admin = new Redis(env.redisUrl);
    track({ close: () => admin.disconnect() });
    const d = track(new RedisDedupe({ url: env.redisUrl, ttlMs: 60_000, prefix: uniq('fw:test:dd:') + ':', maxBatch: 500 }));
    await waitFor(() => d.usingRedis, 5000, 'redis ready');
    const keys = Array.from({ length: 1200 }, (_, i) => `dev/boot/${i}`);
    const before = await scriptCalls(admin);
    expect(new Set(await Promise.all(keys.map((k) => d.claim(k))))).toEqual(new Set(['new']));
    const calls = (await scriptCalls(admin)) - before;
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(6); // EVALSHA, plus EVAL once per script if it was not loaded yet
    expect(await d.claim(keys[0]!)).toBe('pending');
    await Promise.all(keys.slice(0, 10).map((k) => d.commit(k)));
    expect(await Promise.all(keys.slice(0, 11).map((k) => d.claim(k)))).toEqual([...Array(10).fill('done'), 'pending']);
    await d.release(keys[11]!);
    expect(await d.claim(keys[11]!)).toBe('new');
  });

  it('two instances racing on the same keys in the same turn: exactly one new per key', async () => {
    const prefix = uniq('fw:test:race:') + ':';
    const a = track(new RedisDedupe({ url: env.redisUrl, ttlMs: 60_000, prefix }));
    const b = track(new RedisDedupe({ url: env.redisUrl, ttlMs: 60_000, prefix }));
    await waitFor(() => a.usingRedis && b.usingRedis, 5000, 'redis ready');
    const keys = Array.from({ length: 300 }, (_, i) => `race/${i}`);
    const [ra, rb] = await Promise.all([Promise.all(keys.map((k) => a.claim(k))), Promise.all(keys.map((k) => b.claim(k)))]);
    for (let i = 0; i < keys.length; i++) expect([ra[i], rb[i]].sort()).toEqual(['new', 'pending']);
  });

  it('FAULT: Redis killed mid-use -> the in-memory window answers, no throw; Redis back -> used again', async () => {
    const port = await freePort();
    let srv = startRedis(port);
    track({ close: () => void srv.kill('SIGKILL') });
    const url = `redis://127.0.0.1:${port}`;
    const d = track(new RedisDedupe({ url, ttlMs: 60_000 }));
    await waitFor(() => d.usingRedis, 10_000, 'private redis ready');
    expect(await d.claim('k1')).toBe('new');
    await d.commit('k1');
    srv.kill('SIGKILL');
    await waitFor(() => !d.usingRedis, 10_000, 'redis seen down');
    // The commit was mirrored into memory, so the fallback still knows k1; new keys are claimed in memory.
    expect(await d.claim('k1')).toBe('done');
    expect(await Promise.all(['k2', 'k3'].map((k) => d.claim(k)))).toEqual(['new', 'new']);
    expect(await d.claim('k2')).toBe('pending');
    srv = startRedis(port);
    await waitFor(() => d.usingRedis, 15_000, 'redis back');
    await sleep(50);
    expect(await d.claim('k9')).toBe('new'); // the fresh Redis is empty: answered by Redis again
    expect(await d.claim('k9')).toBe('pending');
  });
});
