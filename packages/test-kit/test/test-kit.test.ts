import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, stackEnv, uniq, until } from '../src/index.js';

describe('test-kit', () => {
  it('stackEnv reads the three servers and names the missing ones', () => {
    expect(stackEnv({ FW_KAFKA_BROKERS: 'a:1,b:2', FW_DATABASE_URL: 'postgres://x', FW_REDIS_URL: 'redis://y' })).toEqual({
      brokers: ['a:1', 'b:2'],
      databaseUrl: 'postgres://x',
      redisUrl: 'redis://y',
    });
    expect(() => stackEnv({ FW_KAFKA_BROKERS: 'a:1' })).toThrow(/FW_DATABASE_URL, FW_REDIS_URL/);
  });

  it('uniq keeps the prefix and differs per call', () => {
    const a = uniq('t');
    expect(a).toMatch(/^t[a-z0-9]+$/);
    expect(new Set(Array.from({ length: 100 }, () => uniq('t'))).size).toBe(100);
  });

  it('until returns the first truthy value, and times out naming what it waited for and the last error', async () => {
    let n = 0;
    expect(await until('three calls', () => (++n >= 3 ? n : null), 2000, 5)).toBe(3);
    await expect(
      until(
        'a ready server',
        () => {
          throw new Error('ECONNREFUSED');
        },
        50,
        10,
      ),
    ).rejects.toThrow(/waiting for a ready server: ECONNREFUSED/);
  });

  it('freePort returns a bindable port, and rejects for a port that is taken', async () => {
    const p = await freePort();
    expect(await freePort(p)).toBe(p);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      await expect(freePort((srv.address() as AddressInfo).port)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
