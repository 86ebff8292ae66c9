// Dedupe window for (device_id, boot_id, seq). Redis SET NX PX when available, an in-memory TTL LRU
// otherwise (and whenever a Redis call fails), so SDK resends usually reach Kafka once.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
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
    const v = this.lru.get(key, this.now());
    if (v === 'd') return 'done';
    if (v === 'p') return 'pending';
    this.lru.set(key, 'p', this.now());
    return 'new';
  }
  async commit(key: string): Promise<void> {
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
  logger?: Logger;
}

export class RedisDedupe implements DedupeStore {
  private readonly redis: Redis;
  private readonly fallback: MemoryDedupe;
  private readonly prefix: string;
  private warned = false;

  constructor(private readonly o: RedisDedupeOptions) {
    this.prefix = o.prefix ?? 'fw:gw:dedupe:';
    this.fallback = new MemoryDedupe(o.ttlMs);
    this.redis = new Redis(o.url, {
      lazyConnect: false,
      // Commands issued in the same tick go out in one write: without it every claim/commit was its own
      // socket write, 15% of the gateway's CPU under load (bench/gateway-throughput.ts profile).
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 200,
      retryStrategy: (n) => Math.min(1000, 50 * n),
    });
    this.redis.on('error', (e: Error) => {
      if (!this.warned) o.logger?.warn({ err: e.message }, 'redis dedupe unavailable; using in-memory window');
      this.warned = true;
    });
    this.redis.on('ready', () => {
      this.warned = false;
    });
  }

  get usingRedis(): boolean {
    return this.redis.status === 'ready';
  }

  async claim(key: string): Promise<ClaimResult> {
    if (this.redis.status !== 'ready') return this.fallback.claim(key);
    try {
      const k = this.prefix + key;
      const set = await this.redis.set(k, 'p', 'PX', this.o.ttlMs, 'NX');
      if (set === 'OK') return 'new';
      const v = await this.redis.get(k);
      if (v === 'd') return 'done';
      if (v === null) return 'new'; // expired in between: treat as new without re-claiming
      return 'pending';
    } catch {
      return this.fallback.claim(key);
    }
  }

  async commit(key: string): Promise<void> {
    await this.fallback.commit(key);
    if (this.redis.status !== 'ready') return;
    await this.redis.set(this.prefix + key, 'd', 'PX', this.o.ttlMs).catch(() => undefined);
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
