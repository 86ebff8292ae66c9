// Data and CPU budget of a phone running the device SDK, per hour of driving at the example app's rates
// (GPS 1 Hz, accelerometer 50 Hz, edge detection on, default batch interval 5 s), measured on the wire
// against the real gateway (in this process; Kafka sink when the stack is up) through a counting TCP
// proxy: mqtt:// (MQTT payload and MQTT framing apart) and wss:// to a gateway with --ws-tls (TLS
// records + WebSocket frames + MQTT, what a phone sends). The drive: an hour of firmware-sim's synthetic
// city driving (vehicle model, traffic lights, 12 mg accelerometer noise, GPS noise), the device SDK in
// a child process (sdk-wire.worker.ts). Baselines, same run: the same samples as JSON (no framing, no
// compression); the 5 s interval against 60 s; record() per sensor event against 1-s arrays.
// Knobs: FW_BENCH_WIRE_REALTIME_S (15 s of real-time feeding per CPU pattern).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generateCity, synthesizeDrive } from '@fleetwire/firmware-sim';
import { selfSignedCert } from '@fleetwire/test-kit';
import { BENCH_SECRET, BENCH_TENANT, type BenchBroker, startBenchGateway } from './lib-brokers.js';
import { countingProxy, type WireTally } from './lib-wire.js';
import { load, report } from './lib.js';

const HOUR = 3600_000;
const REALTIME_S = Number(process.env.FW_BENCH_WIRE_REALTIME_S ?? 15);
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-wire-'));
const stamp = Date.now().toString(36);
const { mintDeviceToken } = await load('@fleetwire/gateway');
const mint = (deviceId: string) => mintDeviceToken({ tenant: BENCH_TENANT, deviceId, secret: BENCH_SECRET, ttlSec: 7200 }) as string;
const kb = (b: number) => b / 1024;

// One hour of driving with short stops (ignition on): 3600 fixes + 180,000 accelerometer samples.
const start = Date.now() - HOUR;
const samples: unknown[] = [];
for (const chunk of synthesizeDrive({
  graph: generateCity(),
  seed: 'wire-budget',
  startMs: start,
  durationMs: HOUR,
  accelRateHz: 50,
  gpsRateHz: 1,
  emitWhileParked: true,
  chunkMs: 60_000,
  vehicle: { parkMinS: 5, parkMaxS: 30 },
}))
  samples.push(...chunk.samples);
const samplesFile = path.join(dir, 'drive.json');
fs.writeFileSync(samplesFile, JSON.stringify(samples));
const realtimeFile = path.join(dir, 'drive-realtime.json');
fs.writeFileSync(realtimeFile, JSON.stringify(samples.slice(0, 51 * (REALTIME_S + 5))));

/** The naive uploads of the same samples, one per batch window: JSON, and JSON gzipped per request. */
function jsonBaselines(windowMs: number): { json: number; gzip: number } {
  const all = samples as Array<{ t: number }>;
  let json = 0;
  let gzip = 0;
  for (let i = 0; i < all.length;) {
    const end = all[0]!.t + (Math.floor((all[i]!.t - all[0]!.t) / windowMs) + 1) * windowMs;
    let j = i;
    while (j < all.length && all[j]!.t < end) j++;
    const text = JSON.stringify(all.slice(i, j));
    json += Buffer.byteLength(text);
    gzip += gzipSync(text).length;
    i = j;
  }
  return { json, gzip };
}
const base5 = jsonBaselines(5000);
const base60 = jsonBaselines(60_000);

let jobs = 0;
/** What sdk-wire.worker prints as its last line (counts, byte totals, CPU µs, SDK error codes). */
interface WorkerResult {
  errors: string[];
  sentRows: number;
  recorded: number;
  events: number;
  sentBytes: number;
  batches: number;
  cpuUs: number;
}

function child(job: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [path.join(here, 'sdk-wire.worker.js'), JSON.stringify({ tenant: BENCH_TENANT, db: path.join(dir, `outbox-${++jobs}.db`), ...job })],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`sdk-wire.worker exited ${code}`))));
  });
}

async function measure(
  targetPort: number,
  url: (port: number) => string,
  job: Record<string, unknown>,
  parseMqtt: boolean,
): Promise<{ r: WorkerResult; t: WireTally }> {
  const proxy = await countingProxy(targetPort, { parseMqtt });
  try {
    const deviceId = `wire-${stamp}-${jobs}`;
    const r = await child({ url: url(proxy.port), deviceId, token: mint(deviceId), ...job });
    await new Promise((res) => setTimeout(res, 200)); // the last PUBACK/DISCONNECT bytes
    return { r, t: { ...proxy.tally } };
  } finally {
    await proxy.close();
  }
}

const cert = selfSignedCert();
let plain: BenchBroker | undefined;
let secure: BenchBroker | undefined;
try {
  plain = await startBenchGateway();
  secure = await startBenchGateway({ mqttPort: null, httpPort: 0, wsTls: true, tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile });
  const mqtt = (p: number) => `mqtt://127.0.0.1:${p}`;
  const wss = (p: number) => `wss://127.0.0.1:${p}/mqtt`;
  const tls = { ca: cert.certFile };

  const m5 = await measure(plain.port, mqtt, { mode: 'replay', samplesFile, windowMs: 5000 }, true);
  const s5 = await measure(secure.httpPort!, wss, { mode: 'replay', samplesFile, windowMs: 5000, ...tls }, false);
  const s60 = await measure(secure.httpPort!, wss, { mode: 'replay', samplesFile, windowMs: 60_000, intervalMs: 60_000, ...tls }, false);
  const mConn = await measure(plain.port, mqtt, { mode: 'connect' }, true);
  const sConn = await measure(secure.httpPort!, wss, { mode: 'connect', ...tls }, false);
  for (const x of [m5, s5, s60]) {
    if (x.r.errors.length) throw new Error(`SDK errors: ${x.r.errors.join(',')}`);
    if (x.r.sentRows !== x.r.recorded + x.r.events) throw new Error(`sent ${x.r.sentRows} rows of ${x.r.recorded} samples + ${x.r.events} events`);
  }
  if (m5.t.mqttUp!.publishPayload !== m5.r.sentBytes)
    throw new Error(`PUBLISH payload on the wire ${m5.t.mqttUp!.publishPayload} != batches acknowledged ${m5.r.sentBytes}`);

  const json = base5.json;
  const jsonName = 'the same samples as JSON (no framing, no compression)';
  const gzipName = 'the same samples as JSON, gzip per 5 s request (no framing)';
  const drive = `1 h of driving: ${m5.r.recorded} samples (GPS 1 Hz, accel 50 Hz), ${m5.r.events} edge events, ${m5.r.batches} batches`;
  const up = m5.t.mqttUp!;
  report({
    bench: 'sdk-wire',
    metric: 'uplink per hour of driving, mqtt:// (MQTT payload + framing)',
    unit: 'KB',
    value: kb(m5.t.up),
    baseline: jsonName,
    baselineValue: kb(json),
    lowerIsBetter: true,
    note: `${drive}; PUBLISH payload ${kb(up.publishPayload).toFixed(1)} KB, MQTT framing ${kb(m5.t.up - up.publishPayload).toFixed(1)} KB; packets ${JSON.stringify(up.packets)}`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'uplink per hour of driving, mqtt:// (MQTT payload + framing)',
    unit: 'KB',
    value: kb(m5.t.up),
    baseline: gzipName,
    baselineValue: kb(base5.gzip),
    lowerIsBetter: true,
  });
  report({
    bench: 'sdk-wire',
    metric: 'of which MQTT payload (protobuf batches)',
    unit: 'KB',
    value: kb(up.publishPayload),
    baseline: jsonName,
    baselineValue: kb(json),
    lowerIsBetter: true,
    note: `${(up.publishPayload / m5.r.batches).toFixed(0)} B per 5 s batch`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'of which MQTT framing (headers, topic, CONNECT, SUBSCRIBE)',
    unit: 'KB',
    value: kb(m5.t.up - up.publishPayload),
    note: `${((m5.t.up - up.publishPayload) / m5.r.batches).toFixed(1)} B per batch`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'downlink per hour, mqtt:// (PUBACKs, CONNACK, SUBACK)',
    unit: 'KB',
    value: kb(m5.t.down),
    note: `packets ${JSON.stringify(m5.t.mqttDown!.packets)}`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'uplink per hour of driving, wss:// (TLS + WebSocket + MQTT)',
    unit: 'KB',
    value: kb(s5.t.up),
    baseline: jsonName,
    baselineValue: kb(json),
    lowerIsBetter: true,
    note: `${s5.r.batches} batches, ${s5.t.connections} connection(s)`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'uplink per hour of driving, wss:// (TLS + WebSocket + MQTT)',
    unit: 'KB',
    value: kb(s5.t.up),
    baseline: gzipName,
    baselineValue: kb(base5.gzip),
    lowerIsBetter: true,
  });
  report({ bench: 'sdk-wire', metric: 'downlink per hour, wss://', unit: 'KB', value: kb(s5.t.down) });
  report({
    bench: 'sdk-wire',
    metric: 'uplink per hour, wss://, batch.intervalMs 60000',
    unit: 'KB',
    value: kb(s60.t.up),
    baseline: 'the same drive at the default 5 s interval (wss://)',
    baselineValue: kb(s5.t.up),
    lowerIsBetter: true,
    note: `${s60.r.batches} batches; downlink ${kb(s60.t.down).toFixed(1)} KB; JSON gzip per 60 s request ${kb(base60.gzip).toFixed(0)} KB`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'one (re)connect, mqtt:// (CONNECT+SUBSCRIBE / CONNACK+SUBACK)',
    unit: 'bytes',
    value: mConn.t.up + mConn.t.down,
    note: `up ${mConn.t.up}, down ${mConn.t.down}`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'one (re)connect, wss:// (TLS handshake + WebSocket upgrade + MQTT)',
    unit: 'bytes',
    value: sConn.t.up + sConn.t.down,
    note: `up ${sConn.t.up}, down ${sConn.t.down}; self-signed RSA-2048 certificate, no chain`,
  });

  report({
    bench: 'sdk-wire',
    metric: 'SDK CPU to record, seal and send one hour of driving, unpaced (mqtt://)',
    unit: 's',
    value: m5.r.cpuUs / 1e6,
    note: `wss:// ${(s5.r.cpuUs / 1e6).toFixed(2)} s; 60 s batches over wss:// ${(s60.r.cpuUs / 1e6).toFixed(2)} s; the process's user+system CPU over the replay`,
  });

  // CPU of the SDK process per hour of driving, at real time: one record() per sensor sample against 1-s arrays.
  const rt: Record<string, number> = {};
  for (const pattern of ['none', 'event', 'array'] as const) {
    const { r } = await measure(plain.port, mqtt, { mode: 'realtime', samplesFile: realtimeFile, seconds: REALTIME_S, pattern }, false);
    rt[pattern] = (r.cpuUs / 1e6 / REALTIME_S) * 3600; // CPU s per hour
  }
  const perHour = (p: string) => Math.max(0, rt[p]! - rt.none!);
  report({
    bench: 'sdk-wire',
    metric: 'SDK CPU per hour of driving, record() per sensor sample (51 calls/s)',
    unit: 's',
    value: perHour('event'),
    baseline: 'record() of 1-s arrays (1 call/s)',
    baselineValue: perHour('array'),
    lowerIsBetter: true,
    note: `${REALTIME_S} s at real time, extrapolated, feeding loop's own ${rt.none!.toFixed(1)} s/h subtracted; Node on this VM, mqtt:// to the gateway, better-sqlite3 fsync-per-batch`,
  });
  report({
    bench: 'sdk-wire',
    metric: 'SDK CPU per hour of driving, record() of 1-s arrays',
    unit: 's',
    value: perHour('array'),
    note: 'share of one core: value / 3600',
  });
  console.log(
    JSON.stringify({
      bench: 'sdk-wire',
      base5,
      base60,
      m5: { ...m5.r, tally: m5.t },
      s5: { ...s5.r, tally: s5.t },
      s60: { ...s60.r, tally: s60.t },
      mConn: mConn.t,
      sConn: sConn.t,
      cpuPerHour: rt,
    }),
  );
} finally {
  await plain?.close();
  await secure?.close();
  cert.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}
