// Dedupe window for (device_id, boot_id, seq). Redis SET NX PX (batched per event-loop turn) when
// available, an in-memory TTL LRU otherwise (and whenever a Redis call fails), so SDK resends usually
// reach Kafka once.
import { Redis } from 'ioredis';
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

export interface RedisDedupeOptions {
  url: string;
  ttlMs: number;
  prefix?: string;
  /** Per-command timeout; beyond it the in-memory fallback answers. */
  commandTimeoutMs?: number;
  /** Most keys per Redis call (the claims of one event-loop turn go in one call, its commits in another). Default 500. */
  maxBatch?: number;
  logger?: Logger;
}

// One round trip for every key claimed in an event-loop turn: 0 new (now claimed), 1 done, 2 pending.
// Atomic per key, so two gateways racing on one key see exactly one 'new'. All keys of a call must live
// on one Redis node (single Redis or Sentinel; not Redis Cluster, where the call fails and the in-memory
// window answers).
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

type DedupeRedis = Redis & {
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

  constructor(private readonly o: RedisDedupeOptions) {
    this.prefix = o.prefix ?? 'fw:gw:dedupe:';
    this.fallback = new MemoryDedupe(o.ttlMs);
    const redis = new Redis(o.url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 200,
      retryStrategy: (n) => Math.min(1000, 50 * n),
    });
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

  private async claimMany(keys: string[]): Promise<ClaimResult[]> {
    try {
      if (this.redis.status !== 'ready') throw new Error('redis not ready');
      const codes = await this.redis.fwClaim(keys.length, ...keys.map((k) => this.prefix + k), this.o.ttlMs);
      return codes.map((c) => CLAIMS[c] ?? 'pending');
    } catch {
      return keys.map((k) => this.fallback.claimNow(k));
    }
  }

  private async commitMany(keys: string[]): Promise<void[]> {
    for (const k of keys) this.fallback.commitNow(k);
    if (this.redis.status === 'ready') await this.redis.fwCommit(keys.length, ...keys.map((k) => this.prefix + k), this.o.ttlMs).catch(() => undefined);
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
    await this.redis.del(this.prefix + key).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
