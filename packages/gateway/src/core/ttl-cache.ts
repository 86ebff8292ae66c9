// Bounded LRU map with per-entry TTL. Pure: the clock is passed in.

export class TtlLru<V> {
  private readonly map = new Map<string, { v: V; exp: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {
    if (!(maxEntries >= 1) || !(ttlMs > 0)) throw new RangeError('TtlLru needs maxEntries >= 1 and ttlMs > 0');
  }

  get(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.exp <= now) {
      this.map.delete(key);
      return undefined;
    }
    return e.v;
  }

  has(key: string, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  set(key: string, v: V, now: number, ttlMs: number = this.ttlMs): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, { v, exp: now + ttlMs });
  }

  /** Sets only when absent (or expired). Returns true when set. */
  setIfAbsent(key: string, v: V, now: number, ttlMs: number = this.ttlMs): boolean {
    if (this.has(key, now)) return false;
    this.set(key, v, now, ttlMs);
    return true;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
