// Harsh events from a device without GPS, end to end on the real servers: device SDK (accelerometer and
// gyroscope only, mount not told) -> MQTT -> gateway -> Kafka -> the real-time scorer (the built CLI) ->
// Postgres safety_events and fw.alerts.v1. Fault: the scorer is SIGKILLed right after the first half of the
// drive is acknowledged, and a new one takes over: the mount it learnt is in the persisted device state, so
// the second half's manoeuvres come out as their types at once, and nothing is counted twice. A second device
// with a left-handed gyroscope, declared to its SDK, comes out the right way round in the scorer too.
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, MemoryStorage, type SampleRecord } from '@fleetwire/device-sdk';
import { mintDeviceToken } from '@fleetwire/gateway';
import { fleetwire } from '@fleetwire/proto';
import { createKafka, createPgDb, migrate } from '@fleetwire/scoring';
import { imuDrive, lagIsZero, manoeuvreDrive, MANOEUVRE_EVENT, mountMatrix, typesPerManoeuvre } from '@fleetwire/test-kit';
import { stackEnv, uniq, until } from '../helpers/env.js';
import { allTopics, createTopics, deleteTopics, inProcessGateway, runNames, TOKEN_SECRET } from '../helpers/pipeline.js';
import { startScorerProcess } from '../helpers/scorer-process.js';
import { groupLag } from '../chaos/scorer-group.js';

const WANT = MANOEUVRE_EVENT;

describe('GPS-less harsh events, SDK to Postgres and fw.alerts.v1', () => {
  const env = stackEnv();
  const n = runNames(uniq('gpsless'));
  const kafka = createKafka({ brokers: env.brokers, clientId: `${n.id}-test` });
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
    await deleteTopics(kafka, allTopics(n));
  });

  it('every manoeuvre stored and alerted as its type, without a trip, across a scorer SIGKILL', { timeout: 240_000 }, async () => {
    await createTopics(kafka, allTopics(n), 1);
    const db = await createPgDb(env.databaseUrl, { schema: n.schema });
    cleanup.push(async () => {
      await db.exec(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`);
      await db.close();
    });
    await migrate(db);
    const gw = await inProcessGateway(env, n);
    cleanup.push(() => gw.close());
    const extra = { FW_SCORING_SESSION_TIMEOUT_MS: '6000' };
    const s1 = await startScorerProcess('s1', env, n, extra);
    cleanup.push(() => s1.kill());
    const alerts: fleetwire.v1.SafetyAlert[] = [];
    const consumer = kafka.consumer({ groupId: `${n.id}-alerts`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    cleanup.push(() => consumer.disconnect());
    await consumer.subscribe({ topic: n.out.alerts, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void alerts.push(fleetwire.v1.SafetyAlert.decode(message.value!)) });

    const connect = async (deviceId: string, gyroHandedness?: 'left') => {
      const c = await createClient({
        deviceId,
        tenant: n.tenant,
        url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
        storage: new MemoryStorage(),
        detection: gyroHandedness ? { gyroHandedness } : true,
        credentials: { username: deviceId, password: mintDeviceToken({ tenant: n.tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) },
      });
      cleanup.push(() => c.close());
      c.on('error', () => {});
      return c;
    };
    const deviceId = 'imu-1';
    const client = await connect(deviceId);
    const { phases, labels } = manoeuvreDrive(12);
    const t0 = Date.now() - 3_600_000; // an hour ago: sent after the drive, as a device back online would
    const drive = imuDrive(phases, mountMatrix(130, 20), { t0, gyroBias: [0.5, -0.5, 1] }) as SampleRecord[];
    // Cut 5 s before the 19th manoeuvre: the second half opens with a braking, an acceleration and a braking
    // before its first turn; the new scorer types them at once from the persisted mount.
    const half = drive.findIndex((r) => r.t >= t0 + (labels[labels.length / 2]!.start - 5) * 1000);
    const send = async (part: SampleRecord[], c = client) => {
      for (let i = 0; i < part.length; i += 1000) await c.record(part.slice(i, i + 1000));
      await c.flush({ timeoutMs: 60_000 });
    };
    await send(drive.slice(0, half));
    await s1.kill(); // right after the acknowledgements: mid-stream, whatever it had not committed is redone
    const s2 = await startScorerProcess('s2', env, n, extra);
    cleanup.push(() => s2.kill());
    await send(drive.slice(half));
    // A second device whose gyroscope is left-handed, declared to its SDK (detection.gyroHandedness): the SDK
    // sends its samples right-handed, so the scorer, which is not told, reads the mount the right way round too.
    const left = await connect('imu-left', 'left');
    await send(imuDrive(phases, mountMatrix(-60, 30), { t0, gyroSign: -1 }) as SampleRecord[], left);
    await until('scorer group lag 0', async () => lagIsZero(await groupLag(kafka, n.telemetry, n.group)), 90_000, 500);

    const all = (
      await db.query<{ tenant: string; device_id: string; trip_id: string | null; type: number; t: string }>(
        'SELECT tenant, device_id, trip_id::text, type, (extract(epoch FROM time) * 1000)::bigint::text AS t FROM safety_events ORDER BY time',
      )
    ).rows;
    for (const dev of [deviceId, 'imu-left']) {
      const mine = all.filter((r) => r.device_id === dev);
      const got = typesPerManoeuvre(
        labels,
        mine,
        t0,
        (r) => Number(r.t),
        (r) => r.type,
      );
      // Every manoeuvre as its type: those before the first turn too, typed once the turn gives the mount.
      expect(got, dev).toEqual(labels.map((l) => [WANT[l.kind]]));
      expect(mine, dev).toHaveLength(labels.length);
    }
    const rows = all.filter((r) => r.device_id === deviceId);
    for (const r of all) expect([r.tenant, r.trip_id]).toEqual([n.tenant, null]);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trips')).rows[0]!.n).toBe(0);

    // Every stored event is alerted (from the scorer's outbox, which survives the kill; Kafka outputs are
    // at-least-once, so a republished alert is the same event: compared as a set of (type, time)).
    const key = (type: number, t: number | string) => `${type}@${t}`;
    const want = new Set(rows.map((r) => key(r.type, r.t)));
    const seen = () => new Set(alerts.filter((a) => a.deviceId === deviceId).map((a) => key(a.event!.type!, Number(a.event!.tMs))));
    await until('an alert for every stored event', () => [...want].every((k) => seen().has(k)), 30_000);
    expect(seen()).toEqual(want);
    for (const a of alerts) expect([a.tenant, a.tripId, a.detectedByBackend]).toEqual([n.tenant, '', true]);
  });
});
