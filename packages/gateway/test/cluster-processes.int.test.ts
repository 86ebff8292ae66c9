// Issue #4 (horizontal scale) with two real gateway PROCESSES from the built CLI (dist/cli.js serve),
// cluster mode on, sharing one Redis database and one Kafka topic:
//   * a config pushed with the CLI through A reaches a device connected to B,
//   * uplinks through A and B land in the same Kafka topic,
//   * a resend of the same (device, boot, seq) through the other process is one Kafka record,
//   * fault: SIGKILL B under a connected, publishing device; the device reconnects to A with the same
//     client id, a downlink pushed through A still reaches it, and every uplink B acknowledged before
//     it died is in Kafka.
import { decodeTelemetryRecord, downlinkConfigTopic, fleetwire, uplinkBatchTopic } from '@fleetwire/proto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushConfig } from '../src/push-config.js';
import { dedupeRedisKey } from '../src/adapters/redis/dedupe.js';
import { batchBytes, connectDevice, SECRET, sleep, waitFor } from './helpers/fixtures.js';
import { consume, stackEnv, uniq, type Consumed } from './helpers/kafka.js';
import { runCli, spawnGateway, stopAllGateways, waitReady, type GatewayProcess } from './helpers/spawn-gateway.js';

const env = stackEnv();
// Redis database 9: aedes' session keys stay away from other users of the shared server (cluster.int uses 7).
const redisUrl = `${env.redisUrl.replace(/\/\d*$/, '')}/9`;
const topics = { telemetry: uniq('fwtest.gw.clproc.'), deadletter: uniq('fwtest.gw.clprocdl.') };
const tenant = uniq('t');
const boot = uniq('boot');
let A: GatewayProcess;
let B: GatewayProcess;
const clients: MqttClient[] = [];
let redis: Redis;
/** Bound on the fault test's uplink stream. */
const MAX_SEQ = 400;

const configs = (c: MqttClient, deviceId: string): fleetwire.v1.DeviceConfig[] => {
  const got: fleetwire.v1.DeviceConfig[] = [];
  c.on('message', (t, p) => {
    if (t === downlinkConfigTopic(tenant, deviceId)) got.push(fleetwire.v1.DeviceConfig.decode(p));
  });
  return got;
};

async function device(url: string, deviceId: string): Promise<MqttClient> {
  const { client } = await connectDevice(url, tenant, deviceId);
  clients.push(client);
  return client;
}

/** Records in the (single-partition) telemetry topic: its high watermark, no consumer group needed. */
async function recordCount(): Promise<number> {
  const admin = new Kafka({ clientId: uniq('gw-test-'), brokers: env.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offs = await admin.fetchTopicOffsets(topics.telemetry);
    return offs.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the telemetry topic, decoded to (key, seq, gateway id). */
async function allRecords(): Promise<Array<{ key: string; seq: number; gw: string; bootId: string }>> {
  const n = await recordCount();
  const recs: Consumed[] = await consume(env.brokers, topics.telemetry, n, 20_000);
  return recs.map((m) => {
    const r = decodeTelemetryRecord(m.value);
    if (!r.ok) throw new Error(`undecodable record: ${r.error.message}`);
    return { key: m.key, seq: Number(r.value.batch!.seq), gw: r.value.gatewayId, bootId: r.value.batch!.bootId ?? '' };
  });
}

/** Resolves with `p`, or rejects after `ms` naming `what` (the timer never outlives the race). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/** A device with a persistent session (clean: false); resolves with the CONNACK's session-present flag. */
async function persistentDevice(
  url: string,
  deviceId: string,
  token: string,
  onConfig: (c: fleetwire.v1.DeviceConfig) => void,
): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const client = mqtt.connect(url, { username: deviceId, password: token, clientId: deviceId, clean: false, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(client);
  // Registered before the CONNACK: queued messages of the session follow it at once.
  client.on('message', (t, p) => {
    if (t === downlinkConfigTopic(tenant, deviceId)) onConfig(fleetwire.v1.DeviceConfig.decode(p));
  });
  const connack = await within(
    new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    }),
    10_000,
    `CONNACK for ${deviceId}`,
  );
  return { client, sessionPresent: connack.sessionPresent };
}

async function metric(g: GatewayProcess, line: string): Promise<number> {
  const text = await (await fetch(`${g.httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
}

beforeAll(async () => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const common = {
    FW_KAFKA_BROKERS: env.brokers.join(','),
    FW_REDIS_URL: redisUrl,
    FW_GATEWAY_CLUSTER: 'true',
    FW_GATEWAY_TOKEN_SECRET: SECRET,
    FW_GATEWAY_TOPIC_TELEMETRY: topics.telemetry,
    FW_GATEWAY_TOPIC_DEADLETTER: topics.deadletter,
    FW_KAFKA_PARTITIONS: '1',
  };
  [A, B] = await Promise.all([
    spawnGateway({ name: 'A', env: { ...common, FW_GATEWAY_ID: 'gw-proc-a' } }),
    spawnGateway({ name: 'B', env: { ...common, FW_GATEWAY_ID: 'gw-proc-b' } }),
  ]);
  await Promise.all([waitReady(A), waitReady(B)]);
}, 45_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  await stopAllGateways('SIGKILL');
  redis?.disconnect();
}, 20_000);

describe('two gateway processes sharing Redis', () => {
  it('push-config (CLI) through A reaches the downlink of a device connected to B', async () => {
    const dev = await device(B.mqttUrl, 'p-dev-1');
    const got = configs(dev, 'p-dev-1');
    await dev.subscribeAsync(downlinkConfigTopic(tenant, 'p-dev-1'), { qos: 1 });
    const pushed = await runCli(['push-config', '--url', A.mqttUrl, '--tenant', tenant, '--device', 'p-dev-1', '--version', '11', '--gps-rate-hz', '5'], {
      FW_GATEWAY_TOKEN_SECRET: SECRET,
    });
    expect(pushed.code, pushed.err).toBe(0);
    await waitFor(() => got.length > 0, 10_000, 'the config pushed through A');
    expect(got.map((c) => c.version)).toEqual([11]);
    expect(got[0]!.gpsRateHz).toBe(5);
  });

  it('uplinks through A and through B land in the same Kafka topic', async () => {
    const onB = await device(B.mqttUrl, 'p-up-b');
    const onA = await device(A.mqttUrl, 'p-up-a');
    await onB.publishAsync(uplinkBatchTopic(tenant, 'p-up-b'), Buffer.from(batchBytes('p-up-b', 1, boot)), { qos: 1 });
    await onA.publishAsync(uplinkBatchTopic(tenant, 'p-up-a'), Buffer.from(batchBytes('p-up-a', 1, boot)), { qos: 1 });
    // PUBACK comes after the Kafka ack, so both records are in the topic now.
    expect(await recordCount()).toBe(2);
    const recs = await allRecords();
    expect(recs.map((r) => `${r.key}@${r.gw}`).sort()).toEqual([`${tenant}/p-up-a@gw-proc-a`, `${tenant}/p-up-b@gw-proc-b`]);
  });

  it('a resend of the same (device, boot, seq) through the other process is deduped: one Kafka record', async () => {
    const bytes = Buffer.from(batchBytes('p-dup', 77, boot));
    const before = await recordCount();
    const first = await device(A.mqttUrl, 'p-dup');
    await first.publishAsync(uplinkBatchTopic(tenant, 'p-dup'), bytes, { qos: 1 });
    await first.endAsync();
    // A writes the 'done' marker just after the PUBACK; wait for it rather than sleeping a guess.
    const key = dedupeRedisKey(`${tenant}/p-dup/${boot}/77`);
    const t0 = Date.now();
    while ((await redis.get(key)) !== 'd') {
      if (Date.now() - t0 > 5000) throw new Error(`dedupe marker ${key} not committed by A within 5 s`);
      await sleep(20);
    }
    const dupsBefore = await metric(B, 'fw_gateway_messages_total{outcome="duplicate"}');
    const again = await device(B.mqttUrl, 'p-dup');
    await again.publishAsync(uplinkBatchTopic(tenant, 'p-dup'), bytes, { qos: 1 }); // PUBACKed, not re-sent
    await again.endAsync();
    expect(await metric(B, 'fw_gateway_messages_total{outcome="duplicate"}')).toBe(dupsBefore + 1);
    expect(await recordCount()).toBe(before + 1);
    const recs = (await allRecords()).filter((r) => r.key === `${tenant}/p-dup`);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.gw).toBe('gw-proc-a');
  });

  it('FAULT: SIGKILL B under connected devices; they reconnect to A, get downlinks, and no acked uplink is lost', async () => {
    const id = 'p-fault';
    const dev = await device(B.mqttUrl, id);
    await dev.subscribeAsync(downlinkConfigTopic(tenant, id), { qos: 1 });
    // A second device keeps a persistent session (clean: false) that lives in Redis, not in B.
    const pid = 'p-persist';
    const minted = await runCli(['mint-token', '--tenant', tenant, '--device', pid, '--ttl-sec', '600'], { FW_GATEWAY_TOKEN_SECRET: SECRET });
    expect(minted.code, minted.err).toBe(0);
    const token = minted.out.trim();
    const persistGot: fleetwire.v1.DeviceConfig[] = [];
    const persist = await persistentDevice(B.mqttUrl, pid, token, (c) => persistGot.push(c));
    expect(persist.sessionPresent).toBe(false);
    await persist.client.subscribeAsync(downlinkConfigTopic(tenant, pid), { qos: 1 });
    const persistClosed = new Promise<void>((r) => persist.client.once('close', () => r()));
    const topic = uplinkBatchTopic(tenant, id);
    const acked = new Set<number>();
    // 1..10 acknowledged one by one; then a paced stream (one publish every 2 ms, QoS 1, not waiting for
    // acks), and B is SIGKILLed from the callback of the 5th acknowledgement of the stream: acks are
    // flowing while later batches are in Kafka without PUBACK, queued in B, or on the wire.
    for (let seq = 1; seq <= 10; seq++) await dev.publishAsync(topic, Buffer.from(batchBytes(id, seq, boot)), { qos: 1 }).then(() => acked.add(seq));
    let closedNow = false;
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    void closed.then(() => (closedNow = true));
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      process.kill(B.pid, 'SIGKILL');
    };
    let sent = 10;
    while (!closedNow && sent < MAX_SEQ) {
      const seq = ++sent;
      dev.publish(topic, Buffer.from(batchBytes(id, seq, boot)), { qos: 1 }, (err) => {
        if (err) return;
        acked.add(seq);
        if (acked.size >= 15) kill();
      });
      await sleep(2);
    }
    kill(); // no-op unless the stream ended (MAX_SEQ) before 5 acks came back
    expect((await within(B.exited, 10_000, 'B to exit')).signal).toBe('SIGKILL');
    await within(Promise.all([closed, persistClosed]), 10_000, 'the devices to see B die');
    const ackedBeforeKill = [...acked].sort((x, y) => x - y);
    dev.end(true);
    persist.client.end(true);
    expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(15);
    expect(ackedBeforeKill.length).toBeLessThan(sent); // the kill landed mid-stream

    // Same client id, now on A (like a device behind a load balancer); it subscribes after every connect.
    const back = await device(A.mqttUrl, id);
    const got = configs(back, id);
    await back.subscribeAsync(downlinkConfigTopic(tenant, id), { qos: 1 });
    await pushConfig({ url: A.mqttUrl, tenant, deviceId: id, tokenSecret: SECRET, config: { version: 21, accelRateHz: 25 } });
    await waitFor(() => got.some((c) => c.version === 21), 10_000, 'the config pushed through A after B died');
    expect(got.find((c) => c.version === 21)!.accelRateHz).toBe(25);

    // The persistent session outlived B: a config pushed through A while the device was offline is queued
    // in Redis and delivered when it reconnects to A, without subscribing again.
    await pushConfig({ url: A.mqttUrl, tenant, deviceId: pid, tokenSecret: SECRET, config: { version: 31, speedLimitCms: 2500 } });
    const persistBack = await persistentDevice(A.mqttUrl, pid, token, (c) => persistGot.push(c));
    expect(persistBack.sessionPresent).toBe(true);
    await waitFor(() => persistGot.some((c) => c.version === 31), 10_000, 'the config queued for the persistent session');
    expect(persistGot.find((c) => c.version === 31)!.speedLimitCms).toBe(2500);

    // The device resends what B never acknowledged (as the SDK's outbox does); A acks all of it.
    const unacked: number[] = [];
    for (let seq = 1; seq <= sent; seq++) if (!acked.has(seq)) unacked.push(seq);
    for (const seq of unacked) await back.publishAsync(topic, Buffer.from(batchBytes(id, seq, boot)), { qos: 1 });

    const mine = (await allRecords()).filter((r) => r.key === `${tenant}/${id}` && r.bootId === boot);
    const count = new Map<number, number>();
    for (const r of mine) count.set(r.seq, (count.get(r.seq) ?? 0) + 1);
    // Acknowledged before the kill (and never resent): in Kafka exactly once.
    for (const seq of ackedBeforeKill) expect(count.get(seq), `seq ${seq} acked by B`).toBe(1);
    // Everything is there after the resend; a batch B wrote but could not PUBACK may appear twice (at least once).
    for (let seq = 1; seq <= sent; seq++) expect(count.get(seq) ?? 0, `seq ${seq}`).toBeGreaterThanOrEqual(1);
    for (const seq of unacked) expect(count.get(seq), `seq ${seq} resent through A`).toBeLessThanOrEqual(2);
    // A kept serving.
    expect((await fetch(`${A.httpUrl}/readyz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
  });
});
