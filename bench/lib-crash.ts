// Crash-to-alert end to end on the real servers: device SDK (crash detected on the device) -> MQTT -> the
// gateway (in process, Kafka sink) -> Kafka -> the real-time scorer (Postgres, Redis) -> fw.alerts.v1, read by a
// Kafka consumer. Baseline in the same run: a PHONE_USE alert of the same pipeline, which rides with the next
// ordinary batch (interval 5 s) and is detected by the backend. Used by bench/phone-signals.ts and by
// test/e2e/crash-alert.int.test.ts.
import { createClient, MemoryStorage, type SampleRecord } from '@fleetwire/device-sdk';
import { mintDeviceToken, startGateway } from '@fleetwire/gateway';
import { fleetwire, provisionTopics } from '@fleetwire/proto';
import { createKafka, createPgDb, createRedisCache, KafkaPublisher, KafkaSource, loadModel, migrate, startRealtimeScorer } from '@fleetwire/scoring';
import { crashAt, phoneDrive, type StackEnv, uniq, until } from '@fleetwire/test-kit';

const SECRET = 'fleetwire-crash-bench-secret-0123456789';

export interface AlertSeen {
  alert: fleetwire.v1.SafetyAlert;
  atMs: number;
}

export interface CrashRun {
  /** ms from the SDK's 'crash' event (detection on the device) to the SafetyAlert read from Kafka. */
  crashMs: number[];
  /** ms from recording the phone-lock state (end of a phone-use episode) to its PHONE_USE alert. */
  phoneMs: number[];
  crashAlerts: AlertSeen[];
  phoneAlerts: AlertSeen[];
}

/** Runs `n` crashes (and as many phone-use episodes), one device each, and measures both latencies. */
export async function crashToAlert(env: StackEnv, n: number): Promise<CrashRun> {
  const id = uniq('crash');
  const tenant = `t${id}`;
  const topics = {
    telemetry: `fw.telemetry.v1.${id}`,
    deadletter: `fw.deadletter.v1.${id}`,
    trips: `fw.trips.v1.${id}`,
    scores: `fw.scores.v1.${id}`,
    alerts: `fw.alerts.v1.${id}`,
    sdl: `fw.scoring-dl.v1.${id}`,
  };
  const kafka = createKafka({ brokers: env.brokers, clientId: id });
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(
    admin,
    Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })),
  );
  await admin.disconnect();
  const db = await createPgDb(env.databaseUrl, { schema: `c_${id.replace(/[^a-z0-9]/g, '')}` });
  await migrate(db);
  const cache = createRedisCache(env.redisUrl);
  const model = await loadModel('2.1.0');
  const publisher = new KafkaPublisher(kafka);
  const source = new KafkaSource(kafka, { topic: topics.telemetry, groupId: `${id}-scorer`, fromBeginning: true });
  const scorer = await startRealtimeScorer({
    source,
    publisher,
    db,
    cache,
    model,
    topics: { trips: topics.trips, scores: topics.scores, alerts: topics.alerts, deadletter: topics.sdl },
    sweepIntervalMs: 0,
  });
  const gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    tlsPort: null,
    kafkaBrokers: env.brokers,
    redisUrl: env.redisUrl,
    tokenSecrets: [SECRET],
    topics: { telemetry: topics.telemetry, deadletter: topics.deadletter },
    kafkaCreateTopics: false,
    logLevel: 'silent',
  });
  const seen: AlertSeen[] = [];
  const consumer = kafka.consumer({ groupId: `${id}-alerts`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.alerts, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => void seen.push({ alert: fleetwire.v1.SafetyAlert.decode(message.value!), atMs: performance.now() }),
  });
  const out: CrashRun = { crashMs: [], phoneMs: [], crashAlerts: [], phoneAlerts: [] };
  const ET = fleetwire.v1.EventType;
  try {
    for (let k = 0; k < n; k++) {
      const deviceId = `dev-${k}`;
      const client = await createClient({
        deviceId,
        tenant,
        url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
        storage: new MemoryStorage(),
        detection: true,
        batch: { intervalMs: 5000 },
        credentials: { username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: SECRET, ttlSec: 3600 }) },
      });
      client.on('error', () => {});
      await until('connected', () => client.stats().connected, 20_000, 20);
      const t0 = Date.now() - 120_000;
      // Phone use first (unlock, gestures, lock), then the crash at 60 s; each timed from its own record() call.
      const drive = phoneDrive({
        t0,
        seconds: 70,
        ...crashAt(60),
        phone: [
          { s: 20, state: 'unlocked' },
          { s: 23, state: 'handling' },
          { s: 26, state: 'handling' },
          { s: 29, state: 'locked' },
        ],
      }) as SampleRecord[];
      const cut = drive.findIndex((r) => r.t >= t0 + 40_000);
      let crashAtMs = 0;
      client.on('crash', () => (crashAtMs = performance.now()));
      // The phone-use part rides with ordinary batches (sealed at the 5 s interval): the baseline.
      const phoneAt = performance.now();
      await client.record(drive.slice(0, cut));
      const phone = await until(
        'phone-use alert',
        () => seen.find((s) => s.alert.deviceId === deviceId && s.alert.event?.type === ET.EVENT_TYPE_PHONE_USE),
        30_000,
        5,
      );
      await client.record(drive.slice(cut));
      const crash = await until('crash alert', () => seen.find((s) => s.alert.deviceId === deviceId && s.alert.event?.type === ET.EVENT_TYPE_CRASH), 30_000, 5);
      out.crashMs.push(crash.atMs - crashAtMs);
      out.phoneMs.push(phone.atMs - phoneAt);
      out.crashAlerts.push(crash);
      out.phoneAlerts.push(phone);
      await client.close();
    }
    return out;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await gw.close().catch(() => undefined);
    await scorer.stop().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await model.close().catch(() => undefined);
    await cache.close().catch(() => undefined);
    await db.exec(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`).catch(() => undefined);
    await db.close().catch(() => undefined);
    const a2 = kafka.admin();
    await a2
      .connect()
      .then(() => a2.deleteTopics({ topics: Object.values(topics), timeout: 10_000 }))
      .catch(() => undefined);
    await a2.disconnect().catch(() => undefined);
  }
}
