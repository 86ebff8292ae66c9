// The scorer's metric set, on the shared Prometheus registry (@fleetwire/runtime).
import { Registry } from '@fleetwire/runtime';

export class ScoringMetrics {
  readonly registry = new Registry();
  readonly records = this.registry.counter('fw_scoring_records_total', 'Telemetry records consumed');
  readonly duplicates = this.registry.counter('fw_scoring_duplicates_total', 'Records skipped as already processed (device, boot, seq)');
  readonly deadLetters = this.registry.counter('fw_scoring_deadletters_total', 'Records sent to the dead-letter topic, by reason');
  readonly trips = this.registry.counter('fw_scoring_trips_total', 'Trips completed');
  readonly events = this.registry.counter('fw_scoring_events_total', 'Safety events detected');
  readonly scores = this.registry.counter('fw_scoring_scores_total', 'Risk scores computed');
  readonly dbRetries = this.registry.counter('fw_scoring_db_retries_total', 'Database write attempts that failed and were retried');
  readonly publishFailures = this.registry.counter('fw_scoring_publish_failures_total', 'Redis/Kafka publish attempts that failed');
  readonly isolatedBatches = this.registry.counter('fw_scoring_isolated_batches_total', 'Log batches the database rejected, retried one record at a time');
  readonly lag = this.registry.gauge('fw_scoring_consumer_lag', 'Consumer lag per partition (messages)');
  readonly recordsPerSecond = this.registry.gauge('fw_scoring_records_per_second', 'Records per second over the last 10 s');
  readonly inference = this.registry.histogram('fw_scoring_inference_seconds', 'ONNX session.run latency per micro-batch');
  readonly dbWrite = this.registry.histogram('fw_scoring_db_write_seconds', 'Postgres transaction latency per Kafka batch');
  private window: { t: number; n: number }[] = [];

  noteRecords(n: number, now = Date.now()): void {
    this.records.inc(n);
    this.window.push({ t: now, n });
    this.window = this.window.filter((w) => now - w.t <= 10_000);
    const total = this.window.reduce((a, w) => a + w.n, 0);
    this.recordsPerSecond.set(total / 10);
  }

  render(): string {
    return this.registry.render();
  }
}
