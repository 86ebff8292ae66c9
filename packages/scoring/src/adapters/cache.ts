// Latest scores live in a key-value cache with pub/sub: Redis in production, MemoryCache in the demo.
import { EventEmitter } from 'node:events';

export type CacheOp =
  | { op: 'set'; key: string; value: string }
  | { op: 'mset'; pairs: [string, string][] }
  | { op: 'hset'; key: string; fields: Record<string, string> }
  | { op: 'publish'; channel: string; message: string };

export interface Cache {
  /** Applies the operations in order, in one round trip where the backend allows it. */
  apply(ops: CacheOp[]): Promise<void>;
  get(key: string): Promise<string | null>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Every key and channel of one tenant begins with "<prefix>{<tenant>}:". The braces delimit the tenant
 * exactly (tenant ids may hold ":"), and are a Redis Cluster hash tag: one tenant's keys share a slot, so one
 * MSET/HSET per tenant works on a cluster too.
 */
export const tenantPrefix = (tenant: string, prefix = 'fw:'): string => `${prefix}{${tenant}}:`;
/** Latest score of a driver (tenant, driverId): JSON. */
export const scoreKey = (tenant: string, driverId: string, prefix = 'fw:'): string => `${tenantPrefix(tenant, prefix)}score:${driverId}`;
/** One hash per tenant: field = driver id, value = JSON of the latest feature vector by name. */
export const featuresKey = (tenant: string, prefix = 'fw:'): string => `${tenantPrefix(tenant, prefix)}features`;
/** The tenant's live channel: one message per new score. Subscribe to all tenants with PSUBSCRIBE "fw:{*}:scores". */
export const scoresChannel = (tenant: string, prefix = 'fw:'): string => `${tenantPrefix(tenant, prefix)}scores`;

/** In-process cache with the same semantics; subscribe() delivers published messages. */
export class MemoryCache implements Cache {
  private readonly kv = new Map<string, string>();
  private readonly hashes = new Map<string, Record<string, string>>();
  private readonly bus = new EventEmitter();

  async apply(ops: CacheOp[]): Promise<void> {
    for (const o of ops) {
      if (o.op === 'set') this.kv.set(o.key, o.value);
      else if (o.op === 'mset') for (const [k, v] of o.pairs) this.kv.set(k, v);
      else if (o.op === 'hset') this.hashes.set(o.key, { ...(this.hashes.get(o.key) ?? {}), ...o.fields });
      else this.bus.emit(o.channel, o.message);
    }
  }
  async get(key: string): Promise<string | null> {
    return this.kv.get(key) ?? null;
  }
  async hget(key: string, field: string): Promise<string | null> {
    return this.hashes.get(key)?.[field] ?? null;
  }
  async hgetall(key: string): Promise<Record<string, string>> {
    return { ...(this.hashes.get(key) ?? {}) };
  }
  subscribe(channel: string, fn: (message: string) => void): () => void {
    this.bus.on(channel, fn);
    return () => this.bus.off(channel, fn);
  }
  get size(): number {
    return this.kv.size;
  }
  async close(): Promise<void> {
    this.bus.removeAllListeners();
  }
}
