import { Redis } from 'ioredis';
import type { Cache, CacheOp } from '../cache.js';

/** Redis behind the Cache interface: every apply() is one pipeline (one round trip). */
export class RedisCache implements Cache {
  constructor(readonly redis: Redis) {}

  async apply(ops: CacheOp[]): Promise<void> {
    if (ops.length === 0) return;
    const p = this.redis.pipeline();
    for (const o of ops) {
      if (o.op === 'set') p.set(o.key, o.value);
      else if (o.op === 'mset') {
        if (o.pairs.length > 0) p.mset(...o.pairs.flat());
      }
      else if (o.op === 'hset') p.hset(o.key, o.fields);
      else p.publish(o.channel, o.message);
    }
    const res = await p.exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
  }
  async get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }
  async hget(key: string, field: string): Promise<string | null> {
    return this.redis.hget(key, field);
  }
  async hgetall(key: string): Promise<Record<string, string>> {
    return this.redis.hgetall(key);
  }
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export function createRedisCache(url: string, onError?: (e: Error) => void): RedisCache {
  // maxRetriesPerRequest bounds how long a command waits while Redis is down; the caller retries.
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  // Without a listener ioredis prints "Unhandled error event" on every reconnect attempt while
  // Redis is down; commands still fail and are retried by the caller.
  let last = '';
  redis.on('error', (e: Error) => {
    if (e.message !== last) onError?.(e);
    last = e.message;
  });
  redis.on('ready', () => (last = ''));
  return new RedisCache(redis);
}
