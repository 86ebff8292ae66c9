import { Cluster, Redis } from 'ioredis';
import type { Cache, CacheOp } from '../cache.js';

/** The hash tag of a key or channel (between the first "{" and the next "}"), or the whole name. */
const tagOf = (k: string): string => {
  const a = k.indexOf('{');
  const b = a < 0 ? -1 : k.indexOf('}', a + 1);
  return b > a + 1 ? k.slice(a + 1, b) : k;
};
const nameOf = (o: CacheOp): string => (o.op === 'mset' ? (o.pairs[0]?.[0] ?? '') : o.op === 'publish' ? o.channel : o.key);

/**
 * Ops grouped by hash tag, each group in its original order. The scorer's keys carry the tenant as their
 * tag (fw:{<tenant>}:...), so a group is one tenant's MSET, HSET and PUBLISHes; an MSET whose keys have
 * several tags is split (on Redis Cluster a multi-key command must stay in one slot).
 */
export function opsBySlotGroup(ops: CacheOp[]): CacheOp[][] {
  const groups = new Map<string, CacheOp[]>();
  const add = (tag: string, o: CacheOp) => {
    const g = groups.get(tag);
    if (g) g.push(o);
    else groups.set(tag, [o]);
  };
  for (const o of ops) {
    if (o.op !== 'mset') {
      add(tagOf(nameOf(o)), o);
      continue;
    }
    const byTag = new Map<string, [string, string][]>();
    for (const p of o.pairs) {
      const t = tagOf(p[0]);
      const l = byTag.get(t);
      if (l) l.push(p);
      else byTag.set(t, [p]);
    }
    for (const [t, pairs] of byTag) add(t, { op: 'mset', pairs });
  }
  return [...groups.values()];
}

/**
 * Redis behind the Cache interface. A single server: every apply() is one pipeline (one round trip). Redis
 * Cluster: one pipeline per hash tag (one tenant), sent at once; ioredis routes each to its slot's node.
 */
export class RedisCache implements Cache {
  constructor(readonly redis: Redis | Cluster) {}

  private async run(ops: CacheOp[]): Promise<void> {
    const p = this.redis.pipeline();
    for (const o of ops) {
      if (o.op === 'set') p.set(o.key, o.value);
      else if (o.op === 'mset') {
        if (o.pairs.length > 0) p.mset(...o.pairs.flat());
      } else if (o.op === 'hset') p.hset(o.key, o.fields);
      else p.publish(o.channel, o.message);
    }
    const res = await p.exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
  }

  async apply(ops: CacheOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (!(this.redis instanceof Cluster)) return this.run(ops);
    const results = await Promise.allSettled(opsBySlotGroup(ops).map((g) => this.run(g)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // A SIGKILLed master sends no MOVED: re-read the slot map so the retry finds the promoted replica.
      this.redis.refreshSlotsCache(() => undefined);
      throw failed.reason; // the outbox row stays; the whole emission is applied again (idempotent SET/HSET)
    }
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

const hostPort = (hp: string) => ({ host: hp.slice(0, hp.lastIndexOf(':')), port: Number(hp.slice(hp.lastIndexOf(':') + 1)) });

/** `url` is one server; with `clusterNodes` (host:port seeds) a Redis Cluster is used instead. */
export function createRedisCache(url: string, onError?: (e: Error) => void, o: { clusterNodes?: string[] } = {}): RedisCache {
  // maxRetriesPerRequest bounds how long a command waits while Redis is down; the caller retries.
  const redis = o.clusterNodes?.length
    ? new Cluster(o.clusterNodes.map(hostPort), {
        redisOptions: { maxRetriesPerRequest: 2 },
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        slotsRefreshTimeout: 2000,
      })
    : new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
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
