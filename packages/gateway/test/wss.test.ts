// MQTT over secure WebSocket (wss://) and https on the uWebSockets.js port (FW_GATEWAY_WS_TLS), with a
// throwaway self-signed certificate (openssl), real sockets and the memory sink. Also the device SDK over wss.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@fleetwire/device-sdk';
import { type AccelSample, decodeTelemetryRecord, fleetwire, type GpsSample, unpackAccel, unpackGps, uplinkBatchTopic } from '@fleetwire/proto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { ConfigError } from '@fleetwire/runtime';
import { mintDeviceToken } from '@fleetwire/runtime';
import { startGateway, type Gateway, type StartOptions } from '../src/gateway.js';
import { batchBytes, connectDevice, connectRefused, freePort, quiet, SECRET, waitFor } from './helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-gw-wss-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const otherKey = join(dir, 'other-key.pem');
const otherCert = join(dir, 'other-cert.pem');
const garbage = join(dir, 'garbage.pem');

function selfSigned(keyOut: string, certOut: string, cn: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyOut,
      '-out',
      certOut,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}

/** GET over https with the test CA; resolves status and body. */
function httpsGet(url: string, ca: Buffer | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, rejectUnauthorized: true, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('https request timed out')));
    req.on('error', reject);
  });
}

const sink = new MemorySink();
let gw: Gateway;
let wss: string;
let base: string;

beforeAll(async () => {
  selfSigned(key, cert, 'localhost');
  selfSigned(otherKey, otherCert, 'other');
  writeFileSync(garbage, 'this is not PEM\n');
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: null,
    tlsPort: null,
    httpPort: 0,
    wsTls: true,
    tlsCertFile: cert,
    tlsKeyFile: key,
    sink,
    tokenSecrets: [SECRET],
    logger: pino(quiet),
    lingerMs: 2,
  });
  wss = `wss://127.0.0.1:${gw.ports.http}/mqtt`;
  base = `https://127.0.0.1:${gw.ports.http}`;
});
afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MQTT over wss:// (wsTls)', () => {
  it('accepts an mqtt.js client over wss, PUBACKs after the sink, record reaches the sink', async () => {
    const before = sink.telemetry.length;
    const d = await connectDevice(wss, 'acme', 'wss-1', { ca: readFileSync(cert), rejectUnauthorized: true });
    const bytes = Buffer.from(batchBytes('wss-1', 7));
    await d.client.publishAsync(uplinkBatchTopic('acme', 'wss-1'), bytes, { qos: 1 }); // resolves on the PUBACK
    expect(sink.telemetry.length - before).toBe(1);
    const r = decodeTelemetryRecord(sink.telemetry.at(-1)!.value);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.tenant).toBe('acme');
    expect(r.value.deviceId).toBe('wss-1');
    expect(r.value.transport).toBe(fleetwire.v1.Transport.TRANSPORT_WEBSOCKET_TLS);
    expect(fleetwire.v1.DeviceBatch.encode(r.value.batch!).finish()).toEqual(fleetwire.v1.DeviceBatch.encode(fleetwire.v1.DeviceBatch.decode(bytes)).finish());
    expect(Number(r.value.batch!.seq)).toBe(7);
    expect(gw.metrics.connectsTotal.get({ transport: 'wss' })).toBeGreaterThanOrEqual(1);
    expect(gw.metrics.connectsTotal.get({ transport: 'ws' })).toBe(0);
    await d.client.endAsync();
  });

  it('serves /healthz, /readyz and /metrics over https', async () => {
    const ca = readFileSync(cert);
    expect(await httpsGet(`${base}/healthz`, ca)).toEqual({ status: 200, body: 'ok\n' });
    expect(await httpsGet(`${base}/readyz`, ca)).toEqual({ status: 200, body: 'ready\n' });
    const m = await httpsGet(`${base}/metrics`, ca);
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/fw_gateway_connects_total\{transport="wss"\} \d+/);
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const r = await fetch(`http://127.0.0.1:${gw.ports.http}/healthz`).then(
      (res) => `status ${res.status}`,
      (e: Error) => `error ${e.message}`,
    );
    expect(r).toMatch(/^error /);
  });

  it('refuses a client that does not trust the certificate, and keeps serving', async () => {
    const untrusted = await connectRefused(wss, {
      username: 'wss-2',
      password: mintDeviceToken({ tenant: 'acme', deviceId: 'wss-2', secret: SECRET, ttlSec: 600 }),
      clientId: 'wss-2',
      rejectUnauthorized: true,
    });
    expect(untrusted.message).toMatch(/self[- ]signed certificate/i);
    const wrongCa = await connectRefused(wss, { username: 'wss-2', password: 'x', clientId: 'wss-2', ca: readFileSync(otherCert), rejectUnauthorized: true });
    expect(wrongCa.message).toMatch(/certificate/i);
    await expect(httpsGet(`${base}/healthz`, undefined)).rejects.toThrow(/self[- ]signed certificate/i);
    // still serving trusted clients
    const d = await connectDevice(wss, 'acme', 'wss-3', { ca: readFileSync(cert) });
    const before = sink.telemetry.length;
    await d.client.publishAsync(uplinkBatchTopic('acme', 'wss-3'), Buffer.from(batchBytes('wss-3', 1)), { qos: 1 });
    expect(sink.telemetry.length - before).toBe(1);
    await d.client.endAsync();
    expect((await httpsGet(`${base}/healthz`, readFileSync(cert))).status).toBe(200);
  });

  it('refuses a bad token over wss with CONNACK 4', async () => {
    const r = await connectRefused(wss, { username: 'wss-4', password: 'nope', clientId: 'wss-4', ca: readFileSync(cert) });
    expect(r.code).toBe(4);
  });

  it('device SDK over wss:// records samples that arrive in the sink', async () => {
    const deviceId = 'wss-sdk-1';
    const password = mintDeviceToken({ tenant: 'acme', deviceId, secret: SECRET, ttlSec: 600 });
    const mine = () => sink.telemetry.filter((r) => r.key === `acme/${deviceId}`);
    const client = await createClient({
      deviceId,
      tenant: 'acme',
      url: wss,
      credentials: { username: deviceId, password },
      storage: { memory: true },
      batch: { intervalMs: 1000, maxSamples: 1000 },
      tls: { ca: readFileSync(cert), rejectUnauthorized: true },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    try {
      const t0 = Date.now() - 2000;
      const times = Array.from({ length: 20 }, (_, i) => t0 + i * 100);
      for (let i = 0; i < 20; i++) {
        await client.record({ kind: 'gps', t: t0 + i * 100, lat: 48.137 + i * 1e-5, lon: 11.575, speed: 10 + i * 0.1 });
        await client.record({ kind: 'accel', t: t0 + i * 100, x: 0.01 * i, y: 0, z: 1 });
      }
      await client.flush({ timeoutMs: 10_000 });
      await waitFor(() => mine().length > 0, 5000, 'SDK batch in the sink');
      const gps: GpsSample[] = [];
      const accel: AccelSample[] = [];
      for (const rec of mine()) {
        const tr = decodeTelemetryRecord(rec.value);
        if (!tr.ok) throw new Error(`record in the sink does not decode: ${tr.error.code}: ${tr.error.message}`);
        expect(tr.value.transport).toBe(fleetwire.v1.Transport.TRANSPORT_WEBSOCKET_TLS);
        expect(tr.value.deviceId).toBe(deviceId);
        expect(tr.value.batch!.deviceId).toBe(deviceId);
        gps.push(...unpackGps(tr.value.batch!.gps));
        accel.push(...unpackAccel(tr.value.batch!.accel));
      }
      expect(gps.map((g) => g.t)).toEqual(times);
      expect(accel.map((a) => a.t)).toEqual(times);
      expect(gps[19]!.lat).toBeCloseTo(48.137 + 19e-5, 6);
      expect(accel[19]!.x).toBeCloseTo(0.19, 3);
      expect(client.stats().sent.samples).toBe(40);
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('wsTls with FW_GATEWAY_TLS_CA', () => {
  it('still accepts clients that present no client certificate', async () => {
    const s2 = new MemorySink();
    const g2 = await startGateway({
      host: '127.0.0.1',
      mqttPort: null,
      tlsPort: null,
      httpPort: 0,
      wsTls: true,
      tlsCertFile: cert,
      tlsKeyFile: key,
      tlsCaFile: otherCert,
      sink: s2,
      tokenSecrets: [SECRET],
      logger: pino(quiet),
    });
    try {
      const d = await connectDevice(`wss://127.0.0.1:${g2.ports.http}/mqtt`, 'acme', 'wss-ca-1', { ca: readFileSync(cert), rejectUnauthorized: true });
      await d.client.publishAsync(uplinkBatchTopic('acme', 'wss-ca-1'), Buffer.from(batchBytes('wss-ca-1', 1)), { qos: 1 });
      await d.client.endAsync();
      expect(s2.telemetry.map((r) => r.key)).toEqual(['acme/wss-ca-1']);
    } finally {
      await g2.close();
    }
  });
});

describe('wsTls start-up errors', () => {
  const base: StartOptions = {
    host: '127.0.0.1',
    mqttPort: null,
    tlsPort: null,
    httpPort: 0,
    wsTls: true,
    sink: new MemorySink(),
    tokenSecrets: [SECRET],
    logger: pino(quiet),
  };

  it('wsTls without cert/key is a ConfigError', async () => {
    await expect(startGateway({ ...base })).rejects.toThrow(ConfigError);
    await expect(startGateway({ ...base })).rejects.toThrow(/FW_GATEWAY_WS_TLS=true \(wss\) needs FW_GATEWAY_TLS_CERT and FW_GATEWAY_TLS_KEY/);
  });

  it.each([
    ['a certificate file that is not PEM', { tlsCertFile: garbage, tlsKeyFile: key }, /FW_GATEWAY_TLS_CERT=".*garbage\.pem".*not a usable certificate\/key/],
    ['a key file that is not PEM', { tlsCertFile: cert, tlsKeyFile: garbage }, /FW_GATEWAY_TLS_KEY=".*garbage\.pem".*not a usable certificate\/key/],
    [
      'a key that does not match the certificate',
      { tlsCertFile: cert, tlsKeyFile: otherKey },
      /not a usable certificate\/key: .*(key values mismatch|KEY_VALUES_MISMATCH)/i,
    ],
    [
      'a CA file that is not PEM',
      { tlsCertFile: cert, tlsKeyFile: key, tlsCaFile: garbage },
      /uWebSockets\.js cannot load .*FW_GATEWAY_TLS_CA=".*garbage\.pem": App construction failed/,
    ],
  ] as const)('refuses to start with %s (ConfigError)', async (_what, files, msg) => {
    const err = await startGateway({ ...base, ...files }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toMatch(msg);
  });

  it('closes the MQTT/TCP listener it had already opened when the wss start fails', async () => {
    const port = await freePort();
    // node accepts a non-PEM CA file, so this passes the config check and fails later, in uWS SSLApp.
    const err = await startGateway({ ...base, mqttPort: port, tlsCertFile: cert, tlsKeyFile: key, tlsCaFile: garbage }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/App construction failed/);
    expect(await freePort(port)).toBe(port); // the port can be bound again: nothing left listening
  });

  it('startHttpWs itself rejects an unreadable TLS file with ConfigError (library use, no startGateway)', async () => {
    const { startHttpWs } = await import('../src/adapters/listeners/http-ws.js');
    const err = await startHttpWs({
      host: '127.0.0.1',
      port: 0,
      broker: gw.broker,
      isReady: () => true,
      renderMetrics: () => '',
      tls: { certFile: dir, keyFile: key },
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toMatch(/FW_GATEWAY_TLS_CERT=.*cannot read: EISDIR/);
  });
});
