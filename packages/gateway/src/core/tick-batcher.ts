// Gathers calls made in the same turn of the event loop and runs them as one batch (on setImmediate,
// i.e. after every socket read of this poll phase), so N lookups cost one round trip instead of N.
// Each call resolves with its own element of the batch's answer.

export class TickBatcher<I, O> {
  private items: I[] = [];
  private waiters: Array<{ resolve: (o: O) => void; reject: (e: Error) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 1000,
  ) {
    if (!(maxBatch >= 1)) throw new RangeError('TickBatcher needs maxBatch >= 1');
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    let p: Promise<O[]>;
    try {
      p = this.run(items);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then((out) => {
      if (out.length !== items.length) throw new Error(`batch answered ${out.length} results for ${items.length} items`);
      for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(out[i]!);
    }).catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      for (const w of waiters) w.reject(err);
    });
  }
}
