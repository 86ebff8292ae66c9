// Issue #14 on the real servers (gateway, Kafka, scorer, Postgres, Redis): two tenants each run a device
// called dup-1 (one in Munich, one in Berlin) at the same time, and each a device dup-2 driven by a driver both
// tenants call shared-drv. Nothing may mix: two devices, two drivers, two trips and two scores per id, no late
// samples, Redis keys and channels per tenant, the batch scorer for one tenant never reads the other's trips,
// and a partner of one tenant can neither publish for nor subscribe to the other's devices.
import { createClient, type FleetwireClient, MemoryStorage } from '@fleetwire/device-sdk';
import type { Gateway } from '@fleetwire/gateway';
import { downlinkConfigTopic, fleetwire, identityKey, uplinkJsonTopic } from '@fleetwire/proto';
import { commutePhases, runBatchScore, scoreKey, scoresChannel, simulateDrive, type TelemetryInput } from '@fleetwire/scoring';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, uniq, until } from '../helpers/env.js';
import { connectMqtt, deviceToken } from '../helpers/mqtt-device.js';
import { allTopics, deleteTopics, inProcessGateway, runNames, startScorer, type ScorerHandle } from '../helpers/pipeline.js';

const MUNICH = { lat: 48.137, lon: 11.575 };
const BERLIN = { lat: 52.52, lon: 13.405 };

/** SDK records of a simulated commute (the scorer's own simulator), to be recorded through the real SDK. */
function drive(deviceId: string, at: { lat: number; lon: number }, startMs: number) {
  const batches: TelemetryInput[] = simulateDrive({ deviceId, startMs, lat: at.lat, lon: at.lon, phases: commutePhases({ harsh: true }), accelHz: 0 });
  return batches.map((b) =>
    Array.from(b.gps.t, (t, i) => ({
      kind: 'gps' as const,
      t,
      lat: b.gps.latE7[i]! / 1e7,
      lon: b.gps.lonE7[i]! / 1e7,
      speed: b.gps.speedCms[i]! / 100,
      heading: b.gps.headingCdeg[i]! / 100,
    })),
  );
}

describe('two tenants with the same device and driver ids never mix', () => {
  const env = stackEnv();
  const n = runNames(uniq('tenants'));
  const acme = `${n.tenant}-acme`;
  const globex = `${n.tenant}-globex`;
  let gw: Gateway;
  let sc: ScorerHandle;
  let sub: Redis;
  const heard: Record<string, string[]> = {};
  const clients: FleetwireClient[] = [];

  beforeAll(async () => {
    sc = await startScorer(env, n);
    gw = await inProcessGateway(env, n);
    // dup-2 of both tenants is driven by a driver each tenant calls shared-drv (a fleet's own driver registry).
    for (const t of [acme, globex]) {
      await sc.db.query('INSERT INTO drivers (tenant, driver_id) VALUES ($1, $2)', [t, 'shared-drv']);
      await sc.db.query('INSERT INTO devices (tenant, device_id, driver_id) VALUES ($1, $2, $3)', [t, 'dup-2', 'shared-drv']);
    }
    sub = new Redis(env.redisUrl);
    for (const t of [acme, globex]) heard[t] = [];
    sub.on('message', (ch, m) => heard[ch === scoresChannel(acme, n.cachePrefix) ? acme : globex]!.push(m));
    await sub.subscribe(scoresChannel(acme, n.cachePrefix), scoresChannel(globex, n.cachePrefix));
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await sub?.quit().catch(() => undefined);
    await gw?.close().catch(() => undefined);
    const kafka = sc?.kafka;
    for (const t of [acme, globex]) {
      const keys = await sc?.cache.redis.keys(`${n.cachePrefix}{${t}}:*`).catch(() => [] as string[]);
      if (keys && keys.length > 0) await sc.cache.redis.del(...keys);
    }
    await sc?.stop();
    if (kafka) await deleteTopics(kafka, allTopics(n));
  });

  it('keeps devices, drivers, trips, scores and cache entries of each tenant apart', async () => {
    const t0 = Date.now() - 3 * 3600_000;
    const plan = [
      { tenant: acme, deviceId: 'dup-1', at: MUNICH },
      { tenant: globex, deviceId: 'dup-1', at: BERLIN },
      { tenant: acme, deviceId: 'dup-2', at: MUNICH },
      { tenant: globex, deviceId: 'dup-2', at: BERLIN },
    ];
    // All four drive at the same time, interleaving their batches on the wire.
    await Promise.all(
      plan.map(async (p) => {
        const c = await createClient({
          deviceId: p.deviceId,
          tenant: p.tenant,
          url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
          credentials: { username: p.deviceId, password: deviceToken(p.tenant, p.deviceId) },
          storage: new MemoryStorage(),
          batch: { maxSamples: 60, intervalMs: 1000 },
        });
        clients.push(c);
        c.on('error', () => {});
        for (const records of drive(p.deviceId, p.at, t0)) await c.record(records);
        await c.flush({ timeoutMs: 30_000 });
      }),
    );
    expect(await sc.drained(60_000)).toBe(true);
    await sc.scorer.sweep(Date.now() + 24 * 3600_000);
    const q = async <T>(sql: string) => (await sc.db.query<T>(sql)).rows;

    expect(await q('SELECT tenant, device_id, driver_id FROM devices ORDER BY tenant, device_id')).toEqual([
      { tenant: acme, device_id: 'dup-1', driver_id: 'dup-1' },
      { tenant: acme, device_id: 'dup-2', driver_id: 'shared-drv' },
      { tenant: globex, device_id: 'dup-1', driver_id: 'dup-1' },
      { tenant: globex, device_id: 'dup-2', driver_id: 'shared-drv' },
    ]);
    expect(await q('SELECT tenant, driver_id FROM drivers ORDER BY tenant, driver_id')).toEqual([
      { tenant: acme, driver_id: 'dup-1' },
      { tenant: acme, driver_id: 'shared-drv' },
      { tenant: globex, driver_id: 'dup-1' },
      { tenant: globex, driver_id: 'shared-drv' },
    ]);
    const summaries = await q<{ tenant: string; device_id: string; batches: number; late: number; gps: number }>(
      'SELECT tenant, device_id, count(*)::int AS batches, sum(late_samples)::int AS late, sum(gps_samples)::int AS gps FROM batch_summaries GROUP BY tenant, device_id ORDER BY tenant, device_id',
    );
    const fixes = drive('x', MUNICH, t0).reduce((s, r) => s + r.length, 0);
    expect(summaries.map((s) => [s.tenant, s.device_id, s.late, s.gps])).toEqual(
      plan.map((p) => [p.tenant, p.deviceId, 0, fixes]).sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`)),
    );

    // One trip per device, where that tenant's device drove.
    const trips = await q<{ tenant: string; device_id: string; driver_id: string; lat: number; trip_id: string }>(
      'SELECT tenant, device_id, driver_id, start_lat_e7 / 1e7 AS lat, trip_id::text FROM trips ORDER BY tenant, device_id',
    );
    expect(trips.map((t) => [t.tenant, t.device_id, t.driver_id, Math.round(t.lat)])).toEqual([
      [acme, 'dup-1', 'dup-1', 48],
      [acme, 'dup-2', 'shared-drv', 48],
      [globex, 'dup-1', 'dup-1', 53],
      [globex, 'dup-2', 'shared-drv', 53],
    ]);
    expect(new Set(trips.map((t) => t.trip_id)).size).toBe(4); // same device id, same start time: different trips
    const scores = await q<{ tenant: string; driver_id: string; n: number }>(
      "SELECT tenant, driver_id, count(*)::int AS n FROM risk_scores WHERE scope = 'trip' GROUP BY tenant, driver_id ORDER BY tenant, driver_id",
    );
    expect(scores).toEqual([
      { tenant: acme, driver_id: 'dup-1', n: 1 },
      { tenant: acme, driver_id: 'shared-drv', n: 1 },
      { tenant: globex, driver_id: 'dup-1', n: 1 },
      { tenant: globex, driver_id: 'shared-drv', n: 1 },
    ]);

    // Redis: one latest score per (tenant, driver), each naming its tenant; one channel per tenant.
    for (const t of [acme, globex]) {
      for (const d of ['dup-1', 'shared-drv']) {
        const v = JSON.parse((await sc.cache.get(scoreKey(t, d, n.cachePrefix)))!) as { tenant: string; driverId: string };
        expect([v.tenant, v.driverId]).toEqual([t, d]);
      }
    }
    await until('one live score per driver on each tenant channel', () => heard[acme]!.length >= 2 && heard[globex]!.length >= 2, 10_000);
    for (const t of [acme, globex]) expect(heard[t]!.map((m) => (JSON.parse(m) as { tenant: string }).tenant)).toEqual([t, t]);

    // Kafka outputs are keyed by identity: four distinct trip keys.
    const tripKeys = new Set<string>();
    const consumer = sc.kafka.consumer({ groupId: uniq('tenants-read') });
    await consumer.connect();
    await consumer.subscribe({ topic: n.out.trips, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void tripKeys.add(message.key!.toString()) });
    await until('4 trip records', () => tripKeys.size >= 4, 20_000).finally(() => consumer.disconnect());
    expect([...tripKeys].sort()).toEqual(plan.map((p) => identityKey(p.tenant, p.deviceId)).sort());

    // The batch scorer for one tenant reads only that tenant's trips: acme's shared-drv period score is its one
    // trip's features; had it summed globex's shared-drv trip too, they would differ.
    const s = await runBatchScore({ db: sc.db, model: sc.model, tenant: acme, periodMs: 7 * 86_400_000, untilMs: Date.now() + 60_000 });
    expect([s.drivers, Object.keys(s.tenants)]).toEqual([2, [acme]]);
    const period = await q<{ tenant: string; driver_id: string; features: number[] }>(
      "SELECT tenant, driver_id, features FROM risk_scores WHERE scope = 'period' ORDER BY driver_id",
    );
    expect(period.map((p) => [p.tenant, p.driver_id])).toEqual([
      [acme, 'dup-1'],
      [acme, 'shared-drv'],
    ]);
    const tripFeatures = await q<{ features: number[] }>(
      `SELECT features FROM risk_scores WHERE scope = 'trip' AND tenant = '${acme}' AND driver_id = 'shared-drv'`,
    );
    expect(period[1]!.features).toEqual(tripFeatures[0]!.features);
    const all = await runBatchScore({ db: sc.db, model: sc.model, periodMs: 7 * 86_400_000, untilMs: Date.now() + 60_000 });
    expect(Object.fromEntries(Object.entries(all.tenants).map(([t, x]) => [t, x.drivers]))).toEqual({ [acme]: 2, [globex]: 2 });
  });

  it("a partner of one tenant can neither publish for nor subscribe to the other tenant's devices", async () => {
    const partner = await connectMqtt(`mqtt://127.0.0.1:${gw.ports.mqtt}`, 'partner:fleetco', deviceToken(acme, 'partner:fleetco'));
    // Its own tenant's downlinks: granted. The other tenant's: refused (SUBACK 128).
    const own = await partner.subscribeAsync(`fw/${acme}/+/down/#`, { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    const denied = gw.metrics.aclDenials.get({ action: 'subscribe' });
    await expect(partner.subscribeAsync(downlinkConfigTopic(globex, 'dup-1'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(partner.subscribeAsync('fw/+/dup-1/down/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(gw.metrics.aclDenials.get({ action: 'subscribe' })).toBe(denied + 2);
    // Publishing for its own tenant's device is accepted; for the other tenant's, the gateway drops the connection.
    const now = Date.now();
    const json = (seq: number) => Buffer.from(JSON.stringify({ boot_id: 'pb', seq, sent_at: now, gps: [{ t: now - 1000, lat: 52.5, lon: 13.4, speed: 8 }] }));
    await partner.publishAsync(uplinkJsonTopic(acme, 'partner-truck'), json(1), { qos: 1 });
    const closed = new Promise<void>((r) => partner.once('close', () => r()));
    partner.publish(uplinkJsonTopic(globex, 'dup-1'), json(2), { qos: 1 });
    await closed;
    partner.end(true);
    expect(gw.metrics.aclDenials.get({ action: 'publish' })).toBeGreaterThanOrEqual(1);
    // Nothing from the partner reached Kafka under globex.
    const keys: string[] = [];
    const consumer = sc.kafka.consumer({ groupId: uniq('tenants-partner') });
    await consumer.connect();
    await consumer.subscribe({ topic: n.telemetry, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const rec = fleetwire.v1.TelemetryRecord.decode(message.value!);
        if (rec.sourceFormat === 'json') keys.push(message.key!.toString());
      },
    });
    await until('the partner record of its own tenant', () => keys.length >= 1, 20_000).finally(() => consumer.disconnect());
    expect(keys).toEqual([identityKey(acme, 'partner-truck')]);
  });
});
