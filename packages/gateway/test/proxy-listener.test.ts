// A gateway behind a load balancer: PROXY protocol on the MQTT TCP and TLS ports, X-Forwarded-For on the
// WebSocket port. Real sockets, memory sink. The client address the proxy names is what failed logins are
// rate-limited by; without it every device behind the balancer would share one bucket.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTelemetryRecord, uplinkBatchTopic } from '@fleetwire/proto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { mintDeviceToken } from '@fleetwire/runtime';
import { startGateway, type Gateway } from '../src/gateway.js';
import { batchBytes, connectRefused, quiet, SECRET } from './helpers/fixtures.js';
import { connectViaProxy, v1Header, v2Header } from './helpers/proxy.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-gw-proxy-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const sink = new MemorySink();
let gw: Gateway;

const creds = (deviceId: string, good = true) => ({
  clientId: deviceId,
  username: deviceId,
  password: good ? mintDeviceToken({ tenant: 'acme', deviceId, secret: SECRET, ttlSec: 600 }) : 'wrong-secret',
});

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    tlsPort: 0,
    httpPort: 0,
    tlsCertFile: cert,
    tlsKeyFile: key,
    proxyProtocol: true,
    sink,
    tokenSecrets: [SECRET],
    logger: pino(quiet),
    authBurst: 2,
    authRefillPerSec: 0.001,
    lingerMs: 1,
  });
});
afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway behind a load balancer', () => {
  it('accepts MQTT after a PROXY v1 or v2 header (IPv4 and IPv6) and carries uplinks as usual', async () => {
    const a = await connectViaProxy(gw.ports.mqtt!, v1Header('203.0.113.7'), creds('lb-dev-1'));
    const b = await connectViaProxy(gw.ports.mqtt!, v2Header({ src: [203, 0, 113, 8] }), creds('lb-dev-2'));
    const c = await connectViaProxy(gw.ports.mqtt!, v2Header({ fam: 2 }), creds('lb-dev-3'));
    for (const [o, id] of [
      [a, 'lb-dev-1'],
      [b, 'lb-dev-2'],
      [c, 'lb-dev-3'],
    ] as const) {
      expect(o.ok, id).toBe(true);
      if (!o.ok) continue;
      await o.client.publishAsync(uplinkBatchTopic('acme', id), Buffer.from(batchBytes(id, 1)), { qos: 1 });
      await o.client.endAsync();
    }
    const ids = sink.telemetry.map((r) => {
      const d = decodeTelemetryRecord(r.value);
      return d.ok ? d.value.deviceId : '';
    });
    expect(ids).toEqual(expect.arrayContaining(['lb-dev-1', 'lb-dev-2', 'lb-dev-3']));
  });

  it('rate-limits failed logins by the address in the header, not by the balancer', async () => {
    for (let i = 0; i < 2; i++) {
      const bad = await connectViaProxy(gw.ports.mqtt!, v1Header('198.51.100.66'), creds('lb-bad', false));
      expect(bad).toMatchObject({ ok: false, code: 4 }); // bad username or password
    }
    // That address is now blocked, even with good credentials...
    expect(await connectViaProxy(gw.ports.mqtt!, v1Header('198.51.100.66'), creds('lb-dev-4'))).toMatchObject({ ok: false, code: 5 });
    // ...while another device behind the same balancer (same TCP peer 127.0.0.1) still gets in.
    const other = await connectViaProxy(gw.ports.mqtt!, v1Header('198.51.100.67'), creds('lb-dev-5'));
    expect(other.ok).toBe(true);
    if (other.ok) await other.client.endAsync();
  });

  it('closes connections without a valid header and counts them', async () => {
    const plain = await connectViaProxy(gw.ports.mqtt!, '', creds('lb-direct')); // MQTT straight away, as without a balancer
    expect(plain).toMatchObject({ ok: false, code: undefined }); // no CONNACK: closed before MQTT
    const garbage = await connectViaProxy(gw.ports.mqtt!, 'PROXY TCP4 not-an-ip 127.0.0.1 1 2\r\n', creds('lb-garbage'));
    expect(garbage).toMatchObject({ ok: false, closed: true });
    const m = gw.metrics.registry.render();
    const line = m.split('\n').find((l) => l.startsWith('fw_gateway_proxy_header_rejects_total{transport="tcp"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(2);
    // The gateway still serves.
    const ok = await connectViaProxy(gw.ports.mqtt!, v1Header('203.0.113.9'), creds('lb-dev-6'));
    expect(ok.ok).toBe(true);
    if (ok.ok) await ok.client.endAsync();
  });

  it('reads the header before the TLS handshake on the TLS port', async () => {
    const o = await connectViaProxy(gw.ports.tls!, v2Header({ src: [203, 0, 113, 10] }), creds('lb-tls-1'), {
      ca: readFileSync(cert),
      rejectUnauthorized: true,
      servername: 'localhost',
    });
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    await o.client.publishAsync(uplinkBatchTopic('acme', 'lb-tls-1'), Buffer.from(batchBytes('lb-tls-1', 1)), { qos: 1 });
    await o.client.endAsync();
    const direct = await connectViaProxy(gw.ports.tls!, '', creds('lb-tls-2'), { ca: readFileSync(cert), rejectUnauthorized: true, servername: 'localhost' });
    expect(direct).toMatchObject({ ok: false, code: undefined }); // TLS straight away, no header: closed
  });

  it('on the WebSocket port, takes the address from a PROXY v2 header and refuses upgrades without one', async () => {
    const ws = `ws://127.0.0.1:${gw.ports.http}/mqtt`;
    // The balancer's connection: PROXY v2 header first, then the HTTP upgrade (uWS parses the header itself).
    // ws ignores a createConnection option, but honours an http.Agent.
    class ViaBalancer extends http.Agent {
      constructor(private readonly src: number[]) {
        super();
      }
      override createConnection(o: { port?: number; host?: string }): net.Socket {
        const s = net.connect(Number(o.port), o.host ?? '127.0.0.1');
        s.write(v2Header({ src: this.src }));
        return s;
      }
    }
    const via = (src: number[]) => ({ wsOptions: { agent: new ViaBalancer(src) } });
    for (let i = 0; i < 2; i++) expect((await connectRefused(ws, { ...creds('lb-ws-bad', false), ...via([192, 0, 2, 60]) })).code).toBe(4);
    expect((await connectRefused(ws, { ...creds('lb-ws-1'), ...via([192, 0, 2, 60]) })).code).toBe(5);
    const good = await mqtt.connectAsync(ws, { ...creds('lb-ws-2'), ...via([192, 0, 2, 61]), reconnectPeriod: 0, connectTimeout: 5000 });
    await good.endAsync();
    // Straight to the port, no header: the upgrade is refused.
    const direct = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: gw.ports.http!,
        path: '/mqtt',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Protocol': 'mqtt',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        reject(new Error('upgraded without a PROXY header'));
      });
      req.on('error', reject);
      req.end();
    });
    expect(direct).toBe(400);
    const line = gw.metrics.registry
      .render()
      .split('\n')
      .find((l) => l.startsWith('fw_gateway_proxy_header_rejects_total{transport="ws"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://127.0.0.1:${gw.ports.http}/healthz`)).status).toBe(200); // probes need no header
  });
});

describe('WebSocket behind an HTTP proxy', () => {
  it('takes the client address from X-Forwarded-For when told to trust it', async () => {
    const g = await startGateway({
      host: '127.0.0.1',
      mqttPort: null,
      tlsPort: null,
      httpPort: 0,
      trustForwardedFor: true,
      sink: new MemorySink(),
      tokenSecrets: [SECRET],
      logger: pino(quiet),
      authBurst: 2,
      authRefillPerSec: 0.001,
    });
    try {
      const ws = `ws://127.0.0.1:${g.ports.http}/mqtt`;
      const via = (ip: string) => ({ wsOptions: { headers: { 'x-forwarded-for': `10.0.0.1, ${ip}` } } });
      for (let i = 0; i < 2; i++) expect((await connectRefused(ws, { ...creds('xff-bad', false), ...via('192.0.2.50') })).code).toBe(4);
      expect((await connectRefused(ws, { ...creds('xff-1'), ...via('192.0.2.50') })).code).toBe(5);
      const good = await mqtt.connectAsync(ws, { ...creds('xff-2'), ...via('192.0.2.51'), reconnectPeriod: 0, connectTimeout: 5000 });
      await good.endAsync();
    } finally {
      await g.close();
    }
  });
});
