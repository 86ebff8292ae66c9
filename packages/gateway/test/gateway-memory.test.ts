// Gateway over real MQTT sockets (TCP and WebSocket) with the in-memory sink: PUBACK timing, ACL,
// auth codes, dead letters, dedupe, downlink. Kafka paths are in the *.int.test.ts files.
import { decodeTelemetryRecord, fleetwire, uplinkBatchTopic } from '@fleetwire/proto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { pushConfig } from '../src/push-config.js';
import { mintDeviceToken } from '@fleetwire/runtime';
import { batchBytes, connectDevice, connectRefused, quiet, SECRET, sleep, waitFor } from './helpers/fixtures.js';

let gate: Promise<void> | null = null;
const sink = new MemorySink({ gate: async (kind) => (kind === 'telemetry' && gate ? gate : undefined) });
let gw: Gateway;
let tcp: string;
let ws: string;

beforeAll(async () => {
  gw = await startGateway({ host: '127.0.0.1', mqttPort: 0, httpPort: 0, tlsPort: null, sink, tokenSecrets: [SECRET], logger: pino(quiet), lingerMs: 2 });
  tcp = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
  ws = `ws://127.0.0.1:${gw.ports.http}/mqtt`;
});
afterAll(async () => {
  await gw?.close();
});

describe('gateway with memory sink', () => {
  it('closes a session when its login token expires; the token then cannot log in again', async () => {
    const password = mintDeviceToken({ tenant: 'acme', deviceId: 'exp-1', secret: SECRET, ttlSec: 2 });
    const expMs = Number(password.split('.')[3]) * 1000;
    const client = await mqtt.connectAsync(tcp, { username: 'exp-1', password, clientId: 'exp-1', reconnectPeriod: 0 });
    await client.subscribeAsync('fw/acme/exp-1/down/#', { qos: 1 }); // the session works until then
    await new Promise<void>((r) => client.once('close', () => r()));
    expect(Date.now()).toBeGreaterThanOrEqual(expMs);
    const line = gw.metrics.registry
      .render()
      .split('\n')
      .find((l) => l.startsWith('fw_gateway_sessions_expired_total'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(1);
    expect((await connectRefused(tcp, { username: 'exp-1', password, clientId: 'exp-1' })).code).toBe(5);
    client.end(true);
  });

  it('holds the PUBACK until the sink acknowledged', async () => {
    const d = await connectDevice(tcp, 'acme', 'mem-1');
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    let acked = false;
    const p = d.client.publishAsync(uplinkBatchTopic('acme', 'mem-1'), Buffer.from(batchBytes('mem-1', 1)), { qos: 1 }).then(() => (acked = true));
    await sleep(300);
    expect(acked).toBe(false);
    expect(sink.telemetry.length).toBe(0);
    open();
    gate = null;
    await p;
    expect(acked).toBe(true);
    expect(sink.telemetry.length).toBe(1);
    const rec = decodeTelemetryRecord(sink.telemetry[0]!.value);
    expect(rec.ok && rec.value.deviceId).toBe('mem-1');
    expect(rec.ok && rec.value.tenant).toBe('acme');
    expect(rec.ok && rec.value.transport).toBe(fleetwire.v1.Transport.TRANSPORT_TCP);
    await d.client.endAsync();
  });

  it('acknowledges duplicates without sending them again', async () => {
    const d = await connectDevice(tcp, 'acme', 'mem-dup');
    const before = sink.telemetry.length;
    const bytes = Buffer.from(batchBytes('mem-dup', 5));
    await d.client.publishAsync(uplinkBatchTopic('acme', 'mem-dup'), bytes, { qos: 1 });
    await d.client.publishAsync(uplinkBatchTopic('acme', 'mem-dup'), bytes, { qos: 1 });
    expect(sink.telemetry.length - before).toBe(1);
    expect(gw.metrics.messages.get({ outcome: 'duplicate' })).toBeGreaterThanOrEqual(1);
    await d.client.endAsync();
  });

  it('dead-letters bad payloads, acks them, and keeps the connection', async () => {
    const d = await connectDevice(tcp, 'acme', 'mem-bad');
    await d.client.publishAsync('fw/acme/mem-bad/up/batch', Buffer.from([1, 2, 3, 4]), { qos: 1 });
    await d.client.publishAsync('fw/acme/mem-bad/up/batch', Buffer.from(batchBytes('someone-else', 1)), { qos: 1 });
    await d.client.publishAsync('fw/acme/mem-bad/up/json', Buffer.from('{"boot_id":1}'), { qos: 1 });
    const dl = sink.deadLetters.map((r) => fleetwire.v1.DeadLetter.decode(r.value));
    expect(dl.map((x) => x.reasonCode)).toEqual(['decode_failed', 'device_id_mismatch', 'json_invalid']);
    expect(dl[0]).toMatchObject({ stage: 'gateway', tenant: 'acme', deviceId: 'mem-bad', source: 'fw/acme/mem-bad/up/batch' });
    expect(d.client.connected).toBe(true);
    await d.client.endAsync();
  });

  it('denies publishing to another device and subscribing outside own downlink', async () => {
    const d = await connectDevice(tcp, 'acme', 'mem-acl');
    await expect(d.client.subscribeAsync('fw/acme/other/down/#')).rejects.toThrow(/Subscribe error/);
    const granted = await d.client.subscribeAsync('fw/acme/mem-acl/down/#');
    expect(granted.map((g) => g.qos)).toEqual([0]);
    const closed = new Promise<void>((r) => d.client.once('close', () => r()));
    d.client.publish('fw/acme/other/up/batch', Buffer.from(batchBytes('other', 1)), { qos: 1 });
    await closed; // MQTT 3.1.1 has no negative PUBACK: the gateway drops the connection
    expect(sink.telemetry.some((r) => r.key === 'acme/other')).toBe(false);
    d.client.end(true);
  });

  it('serves MQTT over WebSocket and the HTTP endpoints', async () => {
    const d = await connectDevice(ws, 'acme', 'mem-ws');
    await d.client.publishAsync(uplinkBatchTopic('acme', 'mem-ws'), Buffer.from(batchBytes('mem-ws', 1)), { qos: 1 });
    const r = sink.telemetry.find((x) => x.key === 'acme/mem-ws');
    const rec = r && decodeTelemetryRecord(r.value);
    expect(rec?.ok && rec.value.transport).toBe(fleetwire.v1.Transport.TRANSPORT_WEBSOCKET);
    await d.client.endAsync();
    const base = `http://127.0.0.1:${gw.ports.http}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/fw_gateway_messages_total\{outcome="accepted"\} \d+/);
    expect(m).toContain('fw_gateway_sink_ack_seconds_bucket');
  });

  it('delivers a pushed config to the device (retained, QoS 1)', async () => {
    const d = await connectDevice(tcp, 'acme', 'mem-cfg');
    await d.client.subscribeAsync('fw/acme/mem-cfg/down/#', { qos: 1 });
    const got = new Promise<Buffer>((r) => d.client.on('message', (_t, p) => r(p)));
    await pushConfig({ url: tcp, tenant: 'acme', deviceId: 'mem-cfg', tokenSecret: SECRET, config: { version: 3, batchIntervalMs: 2500 } });
    const cfg = fleetwire.v1.DeviceConfig.decode(await got);
    expect(Number(cfg.version)).toBe(3);
    expect(cfg.batchIntervalMs).toBe(2500);
    await d.client.endAsync();
    // retained: a later subscriber gets it too
    const d2 = await connectDevice(tcp, 'acme', 'mem-cfg', { clientId: 'mem-cfg-2' });
    const got2 = new Promise<Buffer>((r) => d2.client.on('message', (_t, p) => r(p)));
    await d2.client.subscribeAsync('fw/acme/mem-cfg/down/config', { qos: 1 });
    expect(fleetwire.v1.DeviceConfig.decode(await got2).batchIntervalMs).toBe(2500);
    await d2.client.endAsync();
  });
});

describe('auth and shutdown', () => {
  it('refuses bad credentials with CONNACK 4/5 and rate-limits per IP', async () => {
    const g = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: null,
      sink: new MemorySink(),
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      authBurst: 3,
      authRefillPerSec: 0.01,
    });
    const tcp = `mqtt://127.0.0.1:${g.ports.mqtt}`;
    const bad = await connectRefused(tcp, { username: 'x1', password: 'v1.a.b.1.c' });
    expect(bad.code).toBe(4);
    const wrongSubject = await connectRefused(tcp, {
      username: 'x2',
      password: mintDeviceToken({ tenant: 'acme', deviceId: 'x3', secret: SECRET, ttlSec: 60 }),
    });
    expect(wrongSubject.code).toBe(5);
    await connectRefused(tcp, { username: 'x1' });
    const limited = await connectRefused(tcp, { username: 'x4', password: mintDeviceToken({ tenant: 'acme', deviceId: 'x4', secret: SECRET, ttlSec: 60 }) });
    expect(limited.code).toBe(5);
    expect(g.metrics.authFailures.get({ reason: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    await g.close();
  });

  it('waits for in-flight uplinks before closing', async () => {
    const s = new MemorySink();
    const g = await startGateway({ host: '127.0.0.1', mqttPort: 0, httpPort: null, sink: s, tokenSecrets: [SECRET], logger: pino(quiet) });
    const d = await connectDevice(`mqtt://127.0.0.1:${g.ports.mqtt}`, 'acme', 'close-1');
    await d.client.publishAsync(uplinkBatchTopic('acme', 'close-1'), Buffer.from(batchBytes('close-1', 1)), { qos: 1 });
    await g.close();
    await waitFor(() => !d.client.connected, 2000, 'client disconnect');
    expect(s.telemetry.length).toBe(1);
    d.client.end(true);
  });
});

describe('shutdown deadline', () => {
  it('close() gives up on an unacknowledged uplink after drainTimeoutMs once, not twice', async () => {
    const s = new MemorySink({ gate: (kind) => (kind === 'telemetry' ? new Promise<void>(() => undefined) : Promise.resolve()) });
    const drainTimeoutMs = 800;
    const g = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: null,
      sink: s,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      drainTimeoutMs,
      ackTimeoutMs: 60_000,
    });
    const d = await connectDevice(`mqtt://127.0.0.1:${g.ports.mqtt}`, 'acme', 'stuck-1');
    let acked = false;
    d.client.publish(uplinkBatchTopic('acme', 'stuck-1'), Buffer.from(batchBytes('stuck-1', 1)), { qos: 1 }, (err) => (acked = !err));
    await waitFor(() => g.metrics.inflight.get() > 0, 2000, 'uplink in flight');
    const t0 = Date.now();
    await g.close();
    const took = Date.now() - t0;
    // Before: the in-flight wait (drainTimeoutMs) and then the flush (another drainTimeoutMs).
    expect(took).toBeGreaterThanOrEqual(drainTimeoutMs - 50);
    expect(took).toBeLessThan(drainTimeoutMs * 1.6);
    expect(acked).toBe(false);
    expect(s.telemetry.length).toBe(0);
    d.client.end(true);
  });
});

describe('bounded in-flight', () => {
  it('never has more than maxInflight uplinks waiting for the sink', async () => {
    let pendingRecords = 0;
    let maxPending = 0;
    const s = new MemorySink({
      gate: async (kind, recs) => {
        if (kind !== 'telemetry') return;
        pendingRecords += recs.length;
        maxPending = Math.max(maxPending, pendingRecords);
        await sleep(30);
        pendingRecords -= recs.length;
      },
    });
    const g = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: null,
      sink: s,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      maxInflight: 3,
      lingerMs: 1,
    });
    const url = `mqtt://127.0.0.1:${g.ports.mqtt}`;
    const devs = await Promise.all([0, 1, 2, 3, 4].map((i) => connectDevice(url, 'acme', `inf-${i}`)));
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, g.metrics.inflight.get())), 2);
    await Promise.all(
      devs.flatMap((d) =>
        [0, 1, 2, 3].map((k) => d.client.publishAsync(uplinkBatchTopic('acme', d.deviceId), Buffer.from(batchBytes(d.deviceId, k)), { qos: 1 })),
      ),
    );
    clearInterval(probe);
    expect(s.telemetry.length).toBe(20);
    expect(maxPending).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(0);
    await Promise.all(devs.map((d) => d.client.endAsync()));
    await g.close();
  });
});
