// Load for the chaos scenarios: a simulated fleet (real SDK clients, SQLite outboxes) against a gateway,
// then the sample ledger: what the devices had acknowledged vs what the scorer committed to Postgres.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDeviceToken } from '@fleetwire/gateway';
import { expect } from 'vitest';
import type { PgDb } from '@fleetwire/scoring';
import { runFleet } from '../../firmware-sim/src/runner.js';
import type { FleetProgress, FleetSummary } from '../../firmware-sim/src/summary.js';
import { until } from '../helpers/env.js';
import { tallyTopic } from '../helpers/kafka-tally.js';
import { account, ackedByDevice, ledger, TOKEN_SECRET, type Accounting, type RunNames, type ScorerHandle } from '../helpers/pipeline.js';
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
/** The load's fleet is spread over three tenants whose device ids overlap (each has its <prefix>0001, ...). */
export const loadTenants = (n: RunNames): string[] => ['a', 'b', 'c'].map((x) => `${n.tenant}-${x}`);

export async function runLoad(url: string, n: RunNames, o: LoadOptions): Promise<FleetSummary> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-chaos-'));
  try {
    return await runFleet({
      devices: o.devices,
      speedup: o.speedup,
      durationMs: o.simulatedMs,
      gatewayUrl: url,
      tenant: n.tenant,
      tenants: loadTenants(n),
      dataDir,
      deviceIdPrefix: devicePrefix(n),
      seed: n.id,
      accelRateHz: 10,
      rampUpMs: 500,
      drainTimeoutMs: o.drainTimeoutMs ?? 90_000,
      onProgress: o.onProgress,
      progressIntervalMs: 500,
      credentialsFor: (deviceId, tenant) => ({ username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) }),
      client: { batch: { intervalMs: 1000, maxBytes: 64 * 1024, maxSamples: 2000 }, reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits (bounded) until Postgres holds every acknowledged sample; returns the final accounting either way. */
export async function settle(db: PgDb, n: RunNames, s: FleetSummary, timeoutMs = 60_000): Promise<Accounting> {
  const acked = ackedByDevice(s.perDevice);
  let last: Accounting | null = null;
  try {
    await until(
      'Postgres to hold every acknowledged sample',
      async () => {
        last = account(acked, await ledger(db, devicePrefix(n)));
        return last.lost === 0;
      },
      timeoutMs,
      500,
    );
  } catch {
    // reported through the accounting (lost > 0)
  }
  return last ?? account(acked, await ledger(db, devicePrefix(n)));
}

export const fmtCount = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : String(x));

/** On a loss: where did the samples stop? (acked by the gateway -> in Kafka -> committed to Postgres) */
export async function explainLoss(sc: ScorerHandle, n: RunNames, s: FleetSummary, a: Accounting): Promise<void> {
  const t = await tallyTopic(sc.kafka, n.telemetry).catch((e: Error) => e);
  const lag = Object.fromEntries([
    ...((sc.scorer as unknown as { processor?: { o: { source: { lag?: () => Map<string, number> } } } }).processor?.o.source.lag?.() ?? new Map()),
  ]);
  console.error(
    `[chaos] LOSS ${n.id}: acked ${a.acked}, in Postgres ${a.stored}; ` +
      (t instanceof Error
        ? `Kafka tally failed: ${t.message}`
        : `Kafka holds ${t.records} records (${t.distinctKeys} distinct keys, ${[...t.samplesByDevice.values()].reduce((x, y) => x + y, 0)} samples) of ${s.sentBatches} acked batches`) +
      `; scorer ready=${sc.scorer.ready()} lag=${JSON.stringify(lag)}; per device ${JSON.stringify(a.perDevice)}\n  scorer events:\n  ${sc.events.join('\n  ')}\n  scorer metrics: ${sc.scorer.metrics
        .render()
        .split('\n')
        .filter((l) => !l.startsWith('#') && !l.includes('_bucket'))
        .join(' ; ')}`,
  );
}

/** A finding to report: the scorer's Kafka consumer crashed for good and had to be restarted. */
export const scorerNote = (sc: ScorerHandle): string =>
  sc.restarts > 0
    ? `; the scorer's Kafka consumer crashed (kafkajs non-retriable error) and its KafkaSource restarted it ${sc.restarts}x from the committed offsets`
    : '';

/** Per tenant: "tenant a 1234/1234, b ...": acked/stored, with lost and duplicates when not zero. */
export const tenantNote = (a: Accounting): string =>
  `; per tenant (ids overlap) acked/stored ${Object.entries(a.perTenant)
    .map(([t, x]) => `${t.split('-').pop()} ${x.acked}/${x.stored}${x.lost ? ` lost ${x.lost}` : ''}${x.duplicates ? ` dup ${x.duplicates}` : ''}`)
    .join(', ')}`;

/** The counting part of a scenario result: samples the fleet had acknowledged against what reached Postgres. */
export function counted(s: FleetSummary, a: Accounting): Pick<ScenarioResult, 'ackedSamples' | 'storedSamples' | 'lost' | 'duplicates'> {
  // The fleet spans three tenants with overlapping ids: each must account for itself, no loss, no double count.
  const tenants = Object.entries(a.perTenant);
  expect(tenants.length, 'tenants in the load').toBe(3);
  for (const [t, x] of tenants)
    expect({ tenant: t, lost: x.lost, duplicates: x.duplicates, stored: x.stored }).toEqual({ tenant: t, lost: 0, duplicates: 0, stored: x.acked });
  return { ackedSamples: s.sentSamples, storedSamples: a.stored, lost: a.lost, duplicates: a.duplicates };
}
