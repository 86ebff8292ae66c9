// End to end on real servers: simulated fleet (device SDK, SQLite outboxes) -> gateway (TCP MQTT,
// Kafka sink) -> Kafka -> real-time scorer -> Postgres + Redis. Every acknowledged sample must be in
// Postgres exactly once, and every driver gets trips and a score.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDeviceToken, type Gateway } from '@fleetwire/gateway';
import { identityKey } from '@fleetwire/proto';
import { scoreKey } from '@fleetwire/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleet } from '../../firmware-sim/src/runner.js';
import type { FleetSummary } from '../../firmware-sim/src/summary.js';
import { stackEnv, uniq, until } from '../helpers/env.js';
import { tallyTopic } from '../helpers/kafka-tally.js';
import {
  account,
  ackedByDevice,
  allTopics,
  deleteTopics,
  inProcessGateway,
  ledger,
  runNames,
  startScorer,
  TOKEN_SECRET,
  type ScorerHandle,
} from '../helpers/pipeline.js';

// Six devices over three tenants whose ids overlap: every tenant has its <prefix>0001 and <prefix>0002.
const DEVICES = 6;
const SIM_MS = 15 * 60_000;
const SPEEDUP = 90;

describe('fleet end to end (simulator -> gateway -> Kafka -> scorer -> Postgres/Redis)', () => {
  const env = stackEnv();
  const n = runNames(uniq('e2e'));
  const prefix = `${n.id}-d`;
  const tenants = ['a', 'b', 'c'].map((x) => `${n.tenant}-${x}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'fw-e2e-'));
  let gw: Gateway;
  let sc: ScorerHandle;

  beforeAll(async () => {
    sc = await startScorer(env, n);
    gw = await inProcessGateway(env, n);
  });

  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    const kafka = sc?.kafka;
    await sc?.stop();
    if (kafka) await deleteTopics(kafka, allTopics(n));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accounts for every acknowledged sample and scores every driver', async () => {
    const summary: FleetSummary = await runFleet({
      devices: DEVICES,
      speedup: SPEEDUP,
      durationMs: SIM_MS,
      gatewayUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      tenant: n.tenant,
      tenants,
      dataDir,
      deviceIdPrefix: prefix,
      seed: n.id,
      accelRateHz: 10,
      drainTimeoutMs: 30_000,
      credentialsFor: (deviceId, tenant) => ({ username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) }),
      client: { batch: { intervalMs: 1000, maxBytes: 64 * 1024, maxSamples: 2000 } },
    });

    // The simulator side: everything recorded was acknowledged, nothing dropped or rejected.
    expect(summary.devices).toBe(DEVICES);
    expect(summary.rejected).toBe(0);
    expect(summary.droppedSamples).toBe(0);
    expect(summary.recorded).toBe(summary.generated);
    expect(summary.sentSamples).toBe(summary.recorded);
    expect(summary.complete).toBe(true);
    for (const d of summary.perDevice) {
      expect(d.sentSamples, d.deviceId).toBeGreaterThan(0);
      expect(d.truth.trip_start ?? 0, `${d.deviceId} drove`).toBeGreaterThanOrEqual(1);
    }

    expect(new Set(summary.perDevice.map((d) => d.deviceId)).size, 'device ids overlap across tenants').toBe(DEVICES / tenants.length);

    // Postgres: every acked sample exactly once (by (tenant, device_id, boot_id, seq)), per tenant too.
    const acked = ackedByDevice(summary.perDevice);
    const acct = await until(
      'the scorer to commit every acknowledged sample',
      async () => {
        const a = account(acked, await ledger(sc.db, prefix));
        return a.lost === 0 ? a : null;
      },
      40_000,
      250,
    );
    expect(acct.stored).toBe(summary.sentSamples);
    expect(acct.duplicates).toBe(0);
    expect(Object.keys(acct.perTenant).sort()).toEqual(tenants);
    for (const [t, x] of Object.entries(acct.perTenant))
      expect({ t, lost: x.lost, duplicates: x.duplicates, stored: x.stored }).toEqual({ t, lost: 0, duplicates: 0, stored: x.acked });
    const l = await ledger(sc.db, prefix);
    const batches = [...l.values()].reduce((s, x) => s + x.batches, 0);
    expect(batches).toBe(summary.sentBatches);
    const gps = [...l.values()].reduce((s, x) => s + x.gps, 0);
    expect(gps).toBe(summary.generatedGps);

    // Kafka holds each batch; resends (if any) are recognised by key and counted once.
    const tally = await tallyTopic(sc.kafka, n.telemetry);
    expect(tally.undecodable).toBe(0);
    expect(tally.distinctKeys).toBe(summary.sentBatches);
    for (const [dev, s] of tally.samplesByDevice) expect(s, dev).toBe(acked.get(dev));

    // Close the trips still open at the end of the run (devices went silent), then check outputs.
    await sc.scorer.sweep(Date.now() + 24 * 3600_000);
    const drivers = (
      await sc.db.query<{ tenant: string; device_id: string; driver_id: string }>('SELECT tenant, device_id, driver_id FROM devices WHERE device_id LIKE $1', [
        `${prefix}%`,
      ])
    ).rows;
    const driverOf = new Map(drivers.map((r) => [identityKey(r.tenant, r.device_id), { tenant: r.tenant, driver: r.driver_id }]));
    expect(driverOf.size).toBe(DEVICES);
    const trips = await sc.db.query<{ tenant: string; driver_id: string; n: number; km: number }>(
      'SELECT tenant, driver_id, count(*)::int AS n, sum(distance_m) / 1000 AS km FROM trips GROUP BY tenant, driver_id',
    );
    const scores = await sc.db.query<{ tenant: string; driver_id: string; n: number }>(
      "SELECT tenant, driver_id, count(*)::int AS n FROM risk_scores WHERE scope = 'trip' GROUP BY tenant, driver_id",
    );
    const tripsBy = new Map(trips.rows.map((r) => [identityKey(r.tenant, r.driver_id), r]));
    const scoresBy = new Map(scores.rows.map((r) => [identityKey(r.tenant, r.driver_id), r.n]));
    for (const [dev, { tenant, driver }] of driverOf) {
      const who = identityKey(tenant, driver);
      expect(tripsBy.get(who)?.n ?? 0, `trips of ${dev}`).toBeGreaterThanOrEqual(1);
      expect(tripsBy.get(who)!.km, `distance of ${dev}`).toBeGreaterThan(0.1);
      expect(scoresBy.get(who) ?? 0, `scores of ${dev}`).toBeGreaterThanOrEqual(1);
    }
    await until(
      'latest scores in Redis, per tenant',
      async () => {
        for (const { tenant, driver } of driverOf.values()) {
          const v = await sc.cache.get(scoreKey(tenant, driver, n.cachePrefix));
          if (!v) return false;
          const s = JSON.parse(v) as { score: number; tenant: string };
          if (!(s.score >= 0 && s.score <= 100) || s.tenant !== tenant) return false;
        }
        return true;
      },
      15_000,
    );

    console.log(
      `[e2e] ${DEVICES} devices, ${SIM_MS / 60_000} simulated min in ${(summary.wallMs / 1000).toFixed(1)} s: ` +
        `acked ${summary.sentSamples} samples in ${summary.sentBatches} batches, in Postgres ${acct.stored}, lost ${acct.lost}, ` +
        `duplicates ${acct.duplicates} (Kafka resends ${tally.duplicates}), trips ${trips.rows.reduce((s, r) => s + r.n, 0)}`,
    );
  });
});
