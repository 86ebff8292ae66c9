// Real Kafka + Redis + Postgres: ordering and exactness, dead letters under fuzzing, WebSocket, registry auth.
import { decodeTelemetryRecord, fleetwire, identityKey, SCHEMAS, uplinkBatchTopic, uplinkJsonTopic } from '@fleetwire/proto';
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryDdl } from '../src/adapters/pg/registry.js';
import { hashSecret } from '../src/core/secret-hash.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { consume, stackEnv, uniq } from './helpers/kafka.js';
import { batchBytes, connectDevice, connectRefused, quiet, SECRET } from './helpers/fixtures.js';
import mqtt from 'mqtt';

const env = stackEnv();
const topics = { telemetry: uniq('fwtest.gw.tel.'), deadletter: uniq('fwtest.gw.dl.') };
const schema = uniq('gwtest_');
// Unique per run: the Redis dedupe window outlives a run, and (tenant, device, boot, seq) repeats otherwise.
const TENANT = uniq('acme');
const CLIENTS = Number(process.env.FW_GW_TEST_CLIENTS ?? 100);
const PER_CLIENT = Number(process.env.FW_GW_TEST_BATCHES ?? 100);
let gw: Gateway;
let tcp: string;
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  await pool.query(registryDdl(schema));
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    kafkaBrokers: env.brokers,
    kafkaPartitions: 3,
    topics,
    redisUrl: env.redisUrl,
    databaseUrl: env.databaseUrl,
    registrySchema: schema,
    tokenSecrets: [SECRET],
    logger: pino(quiet),
    gatewayId: 'gw-int-1',
  });
  tcp = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
  await waitReady(gw);
});

afterAll(async () => {
  await gw?.close();
  await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await pool?.end();
});

async function waitReady(g: Gateway): Promise<void> {
  const t0 = Date.now();
  while (!g.isReady()) {
    if (Date.now() - t0 > 30_000) throw new Error('gateway never became ready');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gateway -> Kafka', () => {
  const sent = new Map<string, Uint8Array[]>();

  it(`delivers ${CLIENTS}x${PER_CLIENT} batches exactly as sent, in per-device order`, async () => {
    const t0 = Date.now();
    const devices = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectDevice(tcp, TENANT, `int-dev-${i}`)));
    await Promise.all(
      devices.map(async (d) => {
        const list: Uint8Array[] = [];
        sent.set(d.deviceId, list);
        // Pipeline QoS 1 publishes in windows of 20 so the ordering under concurrency is exercised.
        for (let s = 0; s < PER_CLIENT; s += 20) {
          const win: Promise<unknown>[] = [];
          for (let k = s; k < Math.min(PER_CLIENT, s + 20); k++) {
            const b = batchBytes(d.deviceId, k);
            list.push(b);
            win.push(d.client.publishAsync(uplinkBatchTopic(TENANT, d.deviceId), Buffer.from(b), { qos: 1 }));
          }
          await Promise.all(win);
        }
      }),
    );
    const publishMs = Date.now() - t0;
    await Promise.all(devices.map((d) => d.client.endAsync()));
    const total = CLIENTS * PER_CLIENT;
    const got = await consume(env.brokers, topics.telemetry, total);
    console.log(`[gateway-int] ${total} batches from ${CLIENTS} clients acked in ${publishMs} ms (${Math.round((total / publishMs) * 1000)}/s)`);
    expect(got.length).toBe(total);
    const byDevice = new Map<string, Buffer[]>();
    // Every record sits on the partition kafkajs' own DefaultPartitioner (Java-compatible) picks for its key.
    const javaCompatible = Partitioners.DefaultPartitioner();
    const meta = [0, 1, 2].map((partitionId) => ({ partitionId, partitionErrorCode: 0, leader: 1, replicas: [1], isr: [1] }));
    for (const m of got) {
      expect(m.partition, m.key).toBe(javaCompatible({ topic: topics.telemetry, partitionMetadata: meta, message: { key: m.key, value: null } }));
      expect(m.headers).toEqual({ schema: SCHEMAS.telemetry, tenant: TENANT });
      const rec = decodeTelemetryRecord(m.value);
      expect(rec.ok).toBe(true);
      if (!rec.ok) continue;
      expect(identityKey(rec.value.tenant, rec.value.deviceId)).toBe(m.key); // record key: "<tenant>/<device>"
      expect(rec.value.gatewayId).toBe('gw-int-1');
      expect(rec.value.sourceFormat).toBe('batch');
      if (!byDevice.has(rec.value.deviceId)) byDevice.set(rec.value.deviceId, []);
      byDevice.get(rec.value.deviceId)!.push(m.value);
    }
    for (const [dev, list] of sent) {
      const arrived = byDevice.get(dev) ?? [];
      expect(arrived.length, dev).toBe(list.length);
      // TelemetryRecord embeds the batch bytes verbatim as its last field: compare the suffix byte for byte.
      for (let i = 0; i < list.length; i++) {
        const raw = Buffer.from(list[i]!);
        expect(arrived[i]!.subarray(arrived[i]!.length - raw.length).equals(raw), `${dev} #${i}`).toBe(true);
      }
    }
  });

  it('dead-letters 1000 fuzzed payloads while a normal client keeps working', async () => {
    const fuzzer = await connectDevice(tcp, TENANT, 'int-fuzz');
    const good = await connectDevice(tcp, TENANT, 'int-good');
    const payloads = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.json().map((s) => Buffer.from(s)),
        fc.record({ boot_id: fc.string(), seq: fc.oneof(fc.integer(), fc.string()), gps: fc.anything() }).map((o) => Buffer.from(JSON.stringify(o))),
      ),
      { numRuns: 1000, seed: 42 },
    );
    // Alternate topics: half protobuf uplinks, half partner JSON.
    const fuzzing = (async () => {
      for (let i = 0; i < payloads.length; i += 50) {
        await Promise.all(
          payloads
            .slice(i, i + 50)
            .map((p, j) =>
              fuzzer.client.publishAsync((i + j) % 2 ? uplinkJsonTopic(TENANT, 'int-fuzz') : uplinkBatchTopic(TENANT, 'int-fuzz'), Buffer.from(p), { qos: 1 }),
            ),
        );
      }
    })();
    const goodSends = (async () => {
      for (let s = 0; s < 50; s++)
        await good.client.publishAsync(uplinkBatchTopic(TENANT, 'int-good'), Buffer.from(batchBytes('int-good', s, 'boot-good')), { qos: 1 });
    })();
    await Promise.all([fuzzing, goodSends]);
    expect(fuzzer.client.connected).toBe(true);
    const dl = await consume(env.brokers, topics.deadletter, 1000);
    const fuzzDl = dl.filter((m) => m.key === `${TENANT}/int-fuzz`);
    expect(fuzzDl.length).toBe(1000);
    const reasons = new Set<string>();
    for (const m of fuzzDl) {
      expect(m.headers.schema).toBe(SCHEMAS.deadletter);
      const d = fleetwire.v1.DeadLetter.decode(m.value);
      expect(d.reasonCode.length).toBeGreaterThan(0);
      expect(d.stage).toBe('gateway');
      expect(d.payload.length).toBeLessThanOrEqual(4096);
      reasons.add(d.reasonCode);
    }
    expect(reasons.size).toBeGreaterThan(1);
    expect(gw.metrics.rejects.get({ reason: 'decode_failed' }) + gw.metrics.rejects.get({ reason: 'json_invalid' })).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${gw.ports.http}/readyz`);
    expect(res.status).toBe(200);
    await Promise.all([fuzzer.client.endAsync(), good.client.endAsync()]);
    const all = await consume(env.brokers, topics.telemetry, CLIENTS * PER_CLIENT + 50);
    const goodSeqs = all
      .filter((m) => m.key === `${TENANT}/int-good`)
      .map((m) => {
        const r = decodeTelemetryRecord(m.value);
        return r.ok ? Number(r.value.batch!.seq) : -1;
      });
    expect(goodSeqs).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('accepts MQTT over WebSocket like TCP', async () => {
    const d = await connectDevice(`ws://127.0.0.1:${gw.ports.http}/mqtt`, TENANT, 'int-ws');
    for (let s = 0; s < 20; s++) await d.client.publishAsync(uplinkBatchTopic(TENANT, 'int-ws'), Buffer.from(batchBytes('int-ws', s)), { qos: 1 });
    await d.client.endAsync();
    const all = await consume(env.brokers, topics.telemetry, CLIENTS * PER_CLIENT + 70);
    const ws = all.filter((m) => m.key === `${TENANT}/int-ws`).map((m) => decodeTelemetryRecord(m.value));
    expect(ws.length).toBe(20);
    expect(ws.every((r) => r.ok && r.value.transport === fleetwire.v1.Transport.TRANSPORT_WEBSOCKET)).toBe(true);
  });

  it('authenticates registry devices and partners from Postgres, refusing wrong or disabled ones', async () => {
    await pool.query(`INSERT INTO ${schema}.gateway_devices (tenant, device_id, secret_hash, enabled) VALUES ($1,$2,$3,true), ($1,$4,$5,false)`, [
      TENANT,
      'reg-ok',
      await hashSecret('reg-secret-1'),
      'reg-off',
      await hashSecret('reg-secret-2'),
    ]);
    await pool.query(`INSERT INTO ${schema}.gateway_partners (tenant, username, secret_hash) VALUES ($1,$2,$3)`, [
      TENANT,
      'fleetco',
      await hashSecret('partner-pw'),
    ]);
    const ok = await mqtt.connectAsync(tcp, { username: 'reg-ok', password: 'reg-secret-1', clientId: 'reg-ok', reconnectPeriod: 0 });
    await ok.publishAsync(uplinkBatchTopic(TENANT, 'reg-ok'), Buffer.from(batchBytes('reg-ok', 1)), { qos: 1 });
    await ok.endAsync();
    expect((await connectRefused(tcp, { username: 'reg-ok', password: 'wrong' })).code).toBe(4);
    expect((await connectRefused(tcp, { username: 'reg-off', password: 'reg-secret-2' })).code).toBe(4);
    const partner = await mqtt.connectAsync(tcp, { username: 'partner:fleetco', password: 'partner-pw', reconnectPeriod: 0 });
    const now = Date.now();
    const json = { boot_id: 'p1', seq: 1, sent_at: now, gps: [{ t: now - 1000, lat: 52.5, lon: 13.4, speed: 8 }] };
    await partner.publishAsync(uplinkJsonTopic(TENANT, 'partner-truck'), Buffer.from(JSON.stringify(json)), { qos: 1 });
    await partner.endAsync();
    const all = await consume(env.brokers, topics.telemetry, CLIENTS * PER_CLIENT + 72);
    const p = all.find((m) => m.key === `${TENANT}/partner-truck`);
    const rec = p && decodeTelemetryRecord(p.value);
    expect(rec?.ok && rec.value.sourceFormat).toBe('json');
    expect(rec?.ok && rec.value.batch?.gps?.latDeltaE7?.[0]).toBe(525000000);
  });
});
