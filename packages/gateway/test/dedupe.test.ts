import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MemoryDedupe, RedisDedupe } from '../src/adapters/redis/dedupe.js';

describe('dedupe stores', () => {
  it('memory: new -> pending -> done, release forgets, TTL expires', async () => {
    let now = 0;
    const d = new MemoryDedupe(1000, 10, () => now);
    expect(await d.claim('k')).toBe('new');
    expect(await d.claim('k')).toBe('pending');
    await d.commit('k');
    expect(await d.claim('k')).toBe('done');
    await d.release('k');
    expect(await d.claim('k')).toBe('new');
    now = 2000;
    expect(await d.claim('k')).toBe('new');
  });

  it('redis unreachable: falls back to the in-memory window without throwing', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const d = new RedisDedupe({ url: `redis://127.0.0.1:${port}`, ttlMs: 10_000 });
    try {
      expect(d.usingRedis).toBe(false);
      expect(await d.claim('a')).toBe('new');
      await d.commit('a');
      expect(await d.claim('a')).toBe('done');
    } finally {
      await d.close();
    }
  });
});
