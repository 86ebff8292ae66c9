// Dedupe window for (tenant, device_id, boot_id, seq). Redis SET NX PX (batched per event-loop turn) when
// available, an in-memory TTL LRU otherwise (and whenever a Redis call fails), so SDK resends usually
// reach Kafka once. Works on a single Redis (or Sentinel) and on Redis Cluster: every key carries a hash
// tag of (tenant, device group), and a batched call holds the keys of one tag only (see dedupeRedisKey).
import { Cluster, Redis } from 'ioredis';
import { murmur2 } from '../../core/murmur2.js';
import type { Logger } from 'pino';
import { TickBatcher } from '../../core/tick-batcher.js';
import { TtlLru } from '../../core/ttl-cache.js';

/** new: first time seen (now claimed); done: already acknowledged; pending: claimed by another gateway, not yet acked. */
export type ClaimResult = 'new' | 'done' | 'pending';

export interface DedupeStore {
  claim(key: string): Promise<ClaimResult>;
  /** Marks an acknowledged key. */
  commit(key: string): Promise<void>;
  /** Forgets a claimed key whose send failed, so the resend is not mistaken for a duplicate. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryDedupe implements DedupeStore {
  private readonly lru: TtlLru<'p' | 'd'>;
  constructor(
    readonly ttlMs: number,
    maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lru = new TtlLru(maxEntries, ttlMs);
  }
  async claim(key: string): Promise<ClaimResult> {
    return this.claimNow(key);
  }
  async commit(key: string): Promise<void> {
    this.commitNow(key);
  }
  /** Synchronous claim, for callers that handle many keys at once. */
  claimNow(key: string): ClaimResult {
    const v = this.lru.get(key, this.now());
    if (v === 'd') return 'done';
    if (v === 'p') return 'pending';
    this.lru.set(key, 'p', this.now());
    return 'new';
  }
  commitNow(key: string): void {
    this.lru.set(key, 'd', this.now());
  }
  async release(key: string): Promise<void> {
    this.lru.delete(key);
  }
  async close(): Promise<void> {}
}

/** Device groups per tenant: the hash tags one tenant's dedupe keys spread over (so over up to this many slots). */
export const DEDUPE_GROUPS = 32;

/**
 * The Redis key of a dedupe key "<tenant>/<device>/<boot>/<seq>" (proto batchKey):
 * `<prefix>{<tenant>/<group>}:<tenant>/<device>/<boot>/<seq>`, group = murmur2("<tenant>/<device>") mod 32.
 * The braces are a Redis Cluster hash tag: the keys of one device always share a slot (one device's claims
 * and commits stay on one node, in order), one tenant's devices spread over 32 slots, so a big tenant does
 * not sit on one node; a batched call groups its keys by tag.
 */
export function dedupeRedisKey(key: string, prefix = 'fw:gw:dedupe:'): string {
  const i = key.indexOf('/');
  const j = i < 0 ? -1 : key.indexOf('/', i + 1);
  const tenant = i < 0 ? '' : key.slice(0, i);
  const device = j < 0 ? key : key.slice(0, j);
  const group = murmur2(Buffer.from(device)) % DEDUPE_GROUPS;
  return `${prefix}{${tenant}/${group}}:${key}`;
}

/** The hash tag of a Redis key (the part between the first "{" and the next "}"), or the whole key. */
const tagOf = (k: string): string => {
  const a = k.indexOf('{');
  const b = a < 0 ? -1 : k.indexOf('}', a + 1);
  return b > a + 1 ? k.slice(a + 1, b) : k;
};

/** Indexes of keys grouped by hash tag, in first-seen order. */
function byTag(keys: string[]): number[][] {
  const m = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const t = tagOf(k);
    const g = m.get(t);
    if (g) g.push(i);
    else m.set(t, [i]);
  });
  return [...m.values()];
}

export interface RedisDedupeOptions {
  url: string;
  /** Redis Cluster: these seed nodes (host:port) instead of `url`'s single server. */
  clusterNodes?: string[];
  ttlMs: number;
  prefix?: string;
  /** Per-command timeout; beyond it the in-memory fallback answers. */
  commandTimeoutMs?: number;
  /** Most keys per Redis call (the claims of one event-loop turn go in one call, its commits in another). Default 500. */
  maxBatch?: number;
  logger?: Logger;
}

// One call per hash tag for the keys claimed in an event-loop turn: 0 new (now claimed), 1 done, 2 pending.
// Atomic per key, so two gateways racing on one key see exactly one 'new'. The keys of one call share a
// hash tag, hence a slot: valid on Redis Cluster (a single server gets one call per tag too, pipelined).
const CLAIM_LUA = `
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, 'p', 'PX', ARGV[1], 'NX') then out[i] = 0
  elseif redis.call('GET', k) == 'd' then out[i] = 1
  else out[i] = 2 end
end
return out`;
const COMMIT_LUA = `
for _, k in ipairs(KEYS) do redis.call('SET', k, 'd', 'PX', ARGV[1]) end
return #KEYS`;
const CLAIMS: readonly ClaimResult[] = ['new', 'done', 'pending'];

type DedupeRedis = (Redis | Cluster) & {
  fwClaim(n: number, ...args: Array<string | number>): Promise<number[]>;
  fwCommit(n: number, ...args: Array<string | number>): Promise<number>;
};

export class RedisDedupe implements DedupeStore {
  private readonly redis: DedupeRedis;
  private readonly fallback: MemoryDedupe;
  private readonly prefix: string;
  private readonly claims: TickBatcher<string, ClaimResult>;
  private readonly commits: TickBatcher<string, void>;
  private warned = false;
  /** Keys answered by the in-memory window because their Redis call failed. */
  fallbacks = 0;

  constructor(private readonly o: RedisDedupeOptions) {
    this.prefix = o.prefix ?? 'fw:gw:dedupe:';
    this.fallback = new MemoryDedupe(o.ttlMs);
    const redisOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 200,
      retryStrategy: (n: number) => Math.min(1000, 50 * n),
    };
    const redis = o.clusterNodes?.length
      ? new Cluster(
          o.clusterNodes.map((hp) => ({ host: hp.slice(0, hp.lastIndexOf(':')), port: Number(hp.slice(hp.lastIndexOf(':') + 1)) })),
          // A node that fails over: re-read the slot map soon and retry a moved/down call a few times.
          {
            enableOfflineQueue: false,
            redisOptions,
            clusterRetryStrategy: (n: number) => Math.min(1000, 100 * n),
            retryDelayOnFailover: 100,
            retryDelayOnClusterDown: 200,
            slotsRefreshTimeout: 1000,
          },
        )
      : new Redis(o.url, redisOptions);
    redis.defineCommand('fwClaim', { lua: CLAIM_LUA });
    redis.defineCommand('fwCommit', { lua: COMMIT_LUA });
    this.redis = redis as DedupeRedis;
    this.redis.on('error', (e: Error) => {
      if (!this.warned) o.logger?.warn({ err: e.message }, 'redis dedupe unavailable; using in-memory window');
      this.warned = true;
    });
    this.redis.on('ready', () => {
      this.warned = false;
    });
    const max = o.maxBatch ?? 500;
    this.claims = new TickBatcher((keys) => this.claimMany(keys), max);
    this.commits = new TickBatcher((keys) => this.commitMany(keys), max);
  }

  get usingRedis(): boolean {
    return this.redis.status === 'ready';
  }

  private lastRefresh = 0;

  /**
   * Redis Cluster: re-reads the slot map (at most once a second) after a failed call. ioredis learns of a
   * failover from MOVED replies, but a SIGKILLed master sends none: without this, calls for its slots keep
   * going to the dead address after a replica took over.
   */
  private refreshSlots(): void {
    if (!(this.redis instanceof Cluster) || Date.now() - this.lastRefresh < 1000) return;
    this.lastRefresh = Date.now();
    this.redis.refreshSlotsCache(() => undefined);
  }

  /** Claims per hash tag; a tag whose call fails (its node down, failing over) is answered by the in-memory window. */
  private async claimMany(keys: string[]): Promise<ClaimResult[]> {
    const out: ClaimResult[] = new Array(keys.length);
    const rkeys = keys.map((k) => dedupeRedisKey(k, this.prefix));
    await Promise.all(
      byTag(rkeys).map(async (idx) => {
        try {
          if (this.redis.status !== 'ready') throw new Error('redis not ready');
          const codes = await this.redis.fwClaim(idx.length, ...idx.map((i) => rkeys[i]!), this.o.ttlMs);
          idx.forEach((i, n) => (out[i] = CLAIMS[codes[n]!] ?? 'pending'));
        } catch {
          this.fallbacks += idx.length;
          this.refreshSlots();
          for (const i of idx) out[i] = this.fallback.claimNow(keys[i]!);
        }
      }),
    );
    return out;
  }

  private async commitMany(keys: string[]): Promise<void[]> {
    for (const k of keys) this.fallback.commitNow(k);
    if (this.redis.status === 'ready') {
      const rkeys = keys.map((k) => dedupeRedisKey(k, this.prefix));
      await Promise.all(
        byTag(rkeys).map((idx) => this.redis.fwCommit(idx.length, ...idx.map((i) => rkeys[i]!), this.o.ttlMs).catch(() => this.refreshSlots())),
      );
    }
    return keys.map(() => undefined);
  }

  claim(key: string): Promise<ClaimResult> {
    if (this.redis.status !== 'ready') return this.fallback.claim(key);
    return this.claims.add(key);
  }

  commit(key: string): Promise<void> {
    return this.commits.add(key);
  }

  async release(key: string): Promise<void> {
    await this.fallback.release(key);
    if (this.redis.status !== 'ready') return;
    await this.redis.del(dedupeRedisKey(key, this.prefix)).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
