// Load for the chaos scenarios: a simulated fleet (real SDK clients, SQLite outboxes) against a gateway,
// then the sample ledger: what the devices had acknowledged vs what the scorer committed to Postgres.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDeviceToken } from '@fleetwire/gateway';
import type { PgDb } from '@fleetwire/scoring';
import { runFleet } from '../../firmware-sim/src/runner.js';
import type { FleetProgress, FleetSummary } from '../../firmware-sim/src/summary.js';
import { until } from '../helpers/env.js';
import { tallyTopic } from '../helpers/kafka-tally.js';
import { account, ledger, TOKEN_SECRET, type Accounting, type RunNames, type ScorerHandle } from '../helpers/pipeline.js';
import type { ScenarioResult } from './results.js';

export interface LoadOptions {
  devices: number;
  speedup: number;
  simulatedMs: number;
  drainTimeoutMs?: number;
  /** Fleet totals every second while it runs (sentSamples = samples PUBACKed, pendingSamples = in the outboxes). */
  onProgress?: (p: FleetProgress) => void;
}

export const devicePrefix = (n: RunNames) => `${n.id}-d`;

export async function runLoad(url: string, n: RunNames, o: LoadOptions): Promise<FleetSummary> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-chaos-'));
  try {
    return await runFleet({
      devices: o.devices,
      speedup: o.speedup,
      durationMs: o.simulatedMs,
      gatewayUrl: url,
      tenant: n.tenant,
      dataDir,
      deviceIdPrefix: devicePrefix(n),
      seed: n.id,
      accelRateHz: 10,
      rampUpMs: 500,
      drainTimeoutMs: o.drainTimeoutMs ?? 90_000,
      onProgress: o.onProgress,
      progressIntervalMs: 500,
      credentialsFor: (deviceId) => ({ username: deviceId, password: mintDeviceToken({ tenant: n.tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) }),
      client: { batch: { intervalMs: 1000, maxBytes: 64 * 1024, maxSamples: 2000 }, reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits (bounded) until Postgres holds every acknowledged sample; returns the final accounting either way. */
export async function settle(db: PgDb, n: RunNames, s: FleetSummary, timeoutMs = 60_000): Promise<Accounting> {
  const acked = new Map(s.perDevice.map((d) => [d.deviceId, d.sentSamples]));
  let last: Accounting | null = null;
  try {
    await until('Postgres to hold every acknowledged sample', async () => {
      last = account(acked, await ledger(db, devicePrefix(n)));
      return last.lost === 0;
    }, timeoutMs, 500);
  } catch {
    // reported through the accounting (lost > 0)
  }
  return last ?? account(acked, await ledger(db, devicePrefix(n)));
}

export const fmtCount = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : String(x));

/** On a loss: where did the samples stop? (acked by the gateway -> in Kafka -> committed to Postgres) */
export async function explainLoss(sc: ScorerHandle, n: RunNames, s: FleetSummary, a: Accounting): Promise<void> {
  const t = await tallyTopic(sc.kafka, n.telemetry).catch((e: Error) => e);
  const lag = Object.fromEntries([...((sc.scorer as unknown as { processor?: { o: { source: { lag?: () => Map<string, number> } } } }).processor?.o.source.lag?.() ?? new Map())]);
  console.error(
    `[chaos] LOSS ${n.id}: acked ${a.acked}, in Postgres ${a.stored}; ` +
      (t instanceof Error
        ? `Kafka tally failed: ${t.message}`
        : `Kafka holds ${t.records} records (${t.distinctKeys} distinct keys, ${[...t.samplesByDevice.values()].reduce((x, y) => x + y, 0)} samples) of ${s.sentBatches} acked batches`) +
      `; scorer ready=${sc.scorer.ready()} lag=${JSON.stringify(lag)}; per device ${JSON.stringify(a.perDevice)}\n  scorer events:\n  ${sc.events.join('\n  ')}\n  scorer metrics: ${sc.scorer.metrics.render().split('\n').filter((l) => !l.startsWith('#') && !l.includes('_bucket')).join(' ; ')}`,
  );
}

/** A finding to report: the scorer's Kafka consumer crashed for good and had to be restarted. */
export const scorerNote = (sc: ScorerHandle): string =>
  sc.restarts > 0 ? `; the scorer's Kafka consumer crashed (kafkajs non-retriable error) and its KafkaSource restarted it ${sc.restarts}x from the committed offsets` : '';

/** The counting part of a scenario result: samples the fleet had acknowledged against what reached Postgres. */
export function counted(s: FleetSummary, a: Accounting): Pick<ScenarioResult, 'ackedSamples' | 'storedSamples' | 'lost' | 'duplicates'> {
  return { ackedSamples: s.sentSamples, storedSamples: a.stored, lost: a.lost, duplicates: a.duplicates };
}
