// Token bucket keyed by string (client IP), for failed authentication attempts. Pure: the clock is passed in.

export interface RateLimitOptions {
  /** Bucket size: failed attempts allowed in a burst. */
  burst: number;
  /** Tokens refilled per second. */
  refillPerSec: number;
  /** Most keys tracked; the least recently touched are evicted beyond it. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class FailureRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly o: RateLimitOptions) {
    if (!(o.burst >= 1) || !(o.refillPerSec > 0)) throw new RangeError('rate limit needs burst >= 1 and refillPerSec > 0');
    this.maxKeys = o.maxKeys ?? 100_000;
  }

  private bucket(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.o.burst, b.tokens + ((now - b.at) / 1000) * this.o.refillPerSec);
      b.at = now;
      this.buckets.delete(key); // re-insert: Map order is our LRU order
    } else {
      b = { tokens: this.o.burst, at: now };
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, b);
    return b;
  }

  /** True when the key has no tokens left: reject the attempt without checking credentials. */
  isBlocked(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    if (!b) return false;
    return this.bucket(key, now).tokens < 1;
  }

  /** Records a failed attempt (consumes a token). Returns true when the key is now blocked. */
  recordFailure(key: string, now: number): boolean {
    const b = this.bucket(key, now);
    b.tokens = Math.max(0, b.tokens - 1);
    return b.tokens < 1;
  }

  /** Drops buckets that are full again (nothing to remember). */
  sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      const tokens = b.tokens + ((now - b.at) / 1000) * this.o.refillPerSec;
      if (tokens >= this.o.burst) this.buckets.delete(k);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
