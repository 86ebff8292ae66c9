// Minimal Prometheus text-format registry: counters, gauges (with labels) and histograms.
type Labels = Record<string, string>;
const lkey = (l: Labels): string =>
  Object.keys(l).length === 0 ? '' : `{${Object.entries(l).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;

class Series {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  inc(v = 1, l: Labels = {}): void {
    const k = lkey(l);
    this.values.set(k, (this.values.get(k) ?? 0) + v);
  }
  set(v: number, l: Labels = {}): void {
    this.values.set(lkey(l), v);
  }
  get(l: Labels = {}): number {
    return this.values.get(lkey(l)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private n = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.n++;
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]!) this.counts[i]!++;
  }
  get count(): number {
    return this.n;
  }
  get total(): number {
    return this.sum;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.n}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.n}`);
    return lines.join('\n');
  }
}

export class ScoringMetrics {
  readonly records = new Series('fw_scoring_records_total', 'Telemetry records consumed', 'counter');
  readonly duplicates = new Series('fw_scoring_duplicates_total', 'Records skipped as already processed (device, boot, seq)', 'counter');
  readonly deadLetters = new Series('fw_scoring_deadletters_total', 'Records sent to the dead-letter topic, by reason', 'counter');
  readonly trips = new Series('fw_scoring_trips_total', 'Trips completed', 'counter');
  readonly events = new Series('fw_scoring_events_total', 'Safety events detected', 'counter');
  readonly scores = new Series('fw_scoring_scores_total', 'Risk scores computed', 'counter');
  readonly dbRetries = new Series('fw_scoring_db_retries_total', 'Database write attempts that failed and were retried', 'counter');
  readonly publishFailures = new Series('fw_scoring_publish_failures_total', 'Redis/Kafka publish attempts that failed', 'counter');
  readonly isolatedBatches = new Series('fw_scoring_isolated_batches_total', 'Log batches the database rejected, retried one record at a time', 'counter');
  readonly lag = new Series('fw_scoring_consumer_lag', 'Consumer lag per partition (messages)', 'gauge');
  readonly recordsPerSecond = new Series('fw_scoring_records_per_second', 'Records per second over the last 10 s', 'gauge');
  readonly inference = new Histogram('fw_scoring_inference_seconds', 'ONNX session.run latency per micro-batch');
  readonly dbWrite = new Histogram('fw_scoring_db_write_seconds', 'Postgres transaction latency per Kafka batch');
  private window: { t: number; n: number }[] = [];

  noteRecords(n: number, now = Date.now()): void {
    this.records.inc(n);
    this.window.push({ t: now, n });
    this.window = this.window.filter((w) => now - w.t <= 10_000);
    const total = this.window.reduce((a, w) => a + w.n, 0);
    this.recordsPerSecond.set(total / 10);
  }

  render(): string {
    return (
      [this.records, this.duplicates, this.deadLetters, this.trips, this.events, this.scores, this.dbRetries, this.publishFailures, this.isolatedBatches, this.lag, this.recordsPerSecond, this.inference, this.dbWrite]
        .map((s) => s.render())
        .join('\n') + '\n'
    );
  }
}
