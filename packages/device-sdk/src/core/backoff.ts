// Exponential backoff with jitter. Pure apart from the injectable random source.

export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** 0..1: the delay is drawn uniformly from [d * (1 - jitter), d]. */
  jitter: number;
}

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(p: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.initialDelayMs * Math.pow(p.multiplier, Math.max(0, Math.min(attempt, 60))));
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(exp * (1 - p.jitter * r)));
}

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay; each call grows the exponent until reset(). */
  next(): number {
    return backoffDelay(this.policy, this.attempt++, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
