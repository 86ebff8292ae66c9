// The device SDK in a phone browser against Node, same run:
// - record() samples/s in headless Chromium into the OPFS outbox (sqlite-wasm opfs-sahpool in a Worker;
//   through the page's WorkerClient and inside the worker) against Node into better-sqlite3: the same
//   sample stream (lib-drive.ts), the same loop, default batch and durability settings, offline.
// - time from resume() to the first unacknowledged batch resent and acknowledged (PUBACK from the real
//   gateway, Kafka sink when the stack is up), and from a cold start with sealed batches in the outbox to
//   the first resend: Chromium (page navigation -> PUBACK, ws://) and Node (process spawn -> PUBACK,
//   mqtt://; resume also over ws://). Baselines: the goal (1 s) and the protocol floor measured the same
//   way (mqtt.js alone: token, connect, publish one batch QoS 1, PUBACK).
// Knobs: FW_BENCH_BROWSER_SAMPLES (100000 per record run of arrays, a fifth for one-sample calls), FW_BENCH_RESUME_TRIALS (5), FW_BENCH_COLD_TRIALS (3).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type FleetwireClient } from '@fleetwire/device-sdk';
import { encodeDeviceBatch, packAccel, packGps, type AccelSample, type GpsSample } from '@fleetwire/proto';
import { freePort } from '@fleetwire/test-kit';
import { BENCH_SECRET, BENCH_TENANT, startBenchGateway } from './lib-brokers.js';
import { startBenchBrowser } from './lib-browser.js';
import { makeSamples, recordStream, WARMUP_SAMPLES } from './lib-drive.js';
import { load, report } from './lib.js';

const N = Number(process.env.FW_BENCH_BROWSER_SAMPLES ?? 100_000);
const N_SINGLE = Math.ceil(N / 5 / 1000) * 1000; // one-sample calls: a fifth as many (Chromium does ~7k/s)
const RESUME_TRIALS = Number(process.env.FW_BENCH_RESUME_TRIALS ?? 5);
const COLD_TRIALS = Number(process.env.FW_BENCH_COLD_TRIALS ?? 3);
const PER_TRIAL = 2500; // samples recorded while suspended (25 s of the 100 Hz stream)
const COLD_SAMPLES = 60_000; // 10 min of the stream left sealed in the outbox
const GOAL_MS = 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-browser-'));
const here = path.dirname(fileURLToPath(import.meta.url));
const stamp = Date.now().toString(36);
let dbs = 0;
const dbPath = () => path.join(dir, `outbox-${++dbs}.db`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');

const gw = await startBenchGateway({ httpPort: 0 });
const { mintDeviceToken } = await load('@fleetwire/gateway');
const mint = (deviceId: string) => mintDeviceToken({ tenant: BENCH_TENANT, deviceId, secret: BENCH_SECRET, ttlSec: 3600 }) as string;
const mqttUrl = `mqtt://127.0.0.1:${gw.port}`;
const wsUrl = `ws://127.0.0.1:${gw.httpPort}/mqtt`;
const offline = `mqtt://127.0.0.1:${await freePort()}`;
const offlineWs = `ws://127.0.0.1:${await freePort()}/mqtt`;

/** One batch like the ones the SDK resends (PER_TRIAL samples of the stream), for the protocol floor. */
function floorBatch(deviceId: string): Uint8Array {
  const s = makeSamples(PER_TRIAL);
  return encodeDeviceBatch({
    deviceId,
    bootId: 'floor',
    seq: 1,
    sentAtMs: Date.now(),
    gps: packGps(s.filter((x) => x.kind === 'gps') as unknown as GpsSample[]),
    accel: packAccel(s.filter((x) => x.kind === 'accel') as unknown as AccelSample[], 100),
  });
}

async function nodeClient(deviceId: string, url: string, storagePath = dbPath()): Promise<FleetwireClient> {
  const c = await createClient({
    deviceId,
    tenant: BENCH_TENANT,
    url,
    storage: { path: storagePath },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    credentials: () => ({ username: deviceId, password: mint(deviceId) }),
  });
  c.on('error', () => {});
  return c;
}

async function nodeRecord(single: boolean): Promise<number> {
  const c = await nodeClient(`node-rec-${stamp}`, offline);
  const n = single ? N_SINGLE : N;
  const rate = await recordStream(
    (s) => c.record(s),
    (s) => c.record(s),
    n,
    single,
  );
  if (c.stats().recorded !== n + WARMUP_SAMPLES) throw new Error(`node recorded ${c.stats().recorded}`);
  await c.close();
  return rate;
}

const firstSent = (c: FleetwireClient) => new Promise<number>((r) => c.once('sent', () => r(performance.now())));

async function nodeResume(url: string): Promise<number[]> {
  const c = await nodeClient(`node-resume-${stamp}-${url.slice(0, 2)}`, url);
  await new Promise((r) => c.once('connected', r));
  const trials: number[] = [];
  for (let k = 0; k < RESUME_TRIALS; k++) {
    await c.suspend({ timeoutMs: 10_000 });
    await c.record(makeSamples(PER_TRIAL, k * PER_TRIAL));
    await c.suspend();
    const sent = firstSent(c);
    const t0 = performance.now();
    c.resume();
    trials.push((await sent) - t0);
  }
  await c.flush({ timeoutMs: 30_000 });
  await c.close();
  return trials;
}

async function nodeFloor(url: string, deviceId: string): Promise<number[]> {
  const mqtt = (await load('mqtt')).default;
  const bytes = floorBatch(deviceId);
  const trials: number[] = [];
  for (let k = 0; k < RESUME_TRIALS; k++) {
    const t0 = performance.now();
    const m = await mqtt.connectAsync(url, {
      username: deviceId,
      password: mint(deviceId),
      clientId: `${deviceId}-floor-${k}`,
      clean: true,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    await m.publishAsync(`fw/${BENCH_TENANT}/${deviceId}/up/batch`, Buffer.from(bytes), { qos: 1 });
    trials.push(performance.now() - t0);
    await m.endAsync();
  }
  return trials;
}

// A device process started cold over an outbox with sealed batches: spawn -> first PUBACK.
const COLD_CHILD = `
const started = Date.now();
const { createClient } = await import('@fleetwire/device-sdk');
const created = Date.now();
const c = await createClient({ deviceId: process.env.DEV, tenant: process.env.TENANT, url: process.env.URL, storage: { path: process.env.DB },
  credentials: { username: process.env.DEV, password: process.env.TOKEN } });
const opened = Date.now();
let connected = NaN;
c.once('connected', () => (connected = Date.now()));
c.on('error', () => {});
c.once('sent', async () => {
  const sentAt = Date.now();
  await c.flush({ timeoutMs: 30000 });
  await c.close();
  console.log(JSON.stringify({ started, created, opened, connected, sentAt }));
});`;

// The cold-start floor: a process that starts, loads mqtt.js alone, connects and gets one PUBACK.
const COLD_FLOOR_CHILD = `
const mqtt = (await import('mqtt')).default;
const bytes = Buffer.from(process.env.BATCH, 'base64');
const m = await mqtt.connectAsync(process.env.URL, { username: process.env.DEV, password: process.env.TOKEN, clientId: process.env.DEV, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
await m.publishAsync('fw/' + process.env.TENANT + '/' + process.env.DEV + '/up/batch', bytes, { qos: 1 });
const sentAt = Date.now();
await m.endAsync();
console.log(JSON.stringify({ sentAt }));`;

async function spawnTimed(code: string, env: Record<string, string>): Promise<{ t0: number; out: Record<string, number> }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exit = await new Promise<number | null>((r) => child.on('exit', r));
  if (exit !== 0) throw new Error(`child exited ${exit}`);
  return { t0, out: JSON.parse(out.trim().split('\n').pop()!) as Record<string, number> };
}

async function nodeColdFloor(): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < COLD_TRIALS; k++) {
    const deviceId = `node-coldfloor-${stamp}-${k}`;
    const r = await spawnTimed(COLD_FLOOR_CHILD, {
      DEV: deviceId,
      TENANT: BENCH_TENANT,
      URL: mqttUrl,
      TOKEN: mint(deviceId),
      BATCH: Buffer.from(floorBatch(deviceId)).toString('base64'),
    });
    out.push(r.out.sentAt! - r.t0);
  }
  return out;
}

async function nodeCold(): Promise<{ spawn: number[]; create: number[]; phases: string[] }> {
  const spawnMs: number[] = [];
  const createMs: number[] = [];
  const phases: string[] = [];
  for (let k = 0; k < COLD_TRIALS; k++) {
    const deviceId = `node-cold-${stamp}-${k}`;
    const db = dbPath();
    const prep = await nodeClient(deviceId, offline, db);
    await prep.record(makeSamples(COLD_SAMPLES));
    await prep.suspend();
    await prep.close();
    const { t0, out } = await spawnTimed(COLD_CHILD, { DEV: deviceId, TENANT: BENCH_TENANT, URL: mqttUrl, DB: db, TOKEN: mint(deviceId) });
    const r = out as { started: number; created: number; opened: number; connected: number; sentAt: number };
    spawnMs.push(r.sentAt - t0);
    createMs.push(r.sentAt - r.created);
    phases.push(
      `node up ${r.started - t0}, SDK imported ${r.created - t0}, outbox open ${r.opened - t0}, connected ${r.connected - t0}, PUBACK ${r.sentAt - t0}`,
    );
  }
  return { spawn: spawnMs, create: createMs, phases };
}

const load1 = os.loadavg()[0]!.toFixed(1); // the box is shared: latencies move with its load
const browser = await startBenchBrowser({ mintToken: mint, batch: floorBatch(`chrome-floor-${stamp}`) });
try {
  // record() samples/s: median of 3 runs each, Node and Chromium alternating.
  const runs = { nodeBulk: [] as number[], nodeSingle: [] as number[], chromeBulk: [] as number[], chromeDirect: [] as number[], chromeSingle: [] as number[] };
  for (let r = 0; r < 3; r++) {
    runs.nodeBulk.push(await nodeRecord(false));
    runs.chromeBulk.push(
      (await browser.run({ mode: 'record', shape: 'bulk', n: N, url: offlineWs, db: `/rec-bulk-${r}.db`, device: `chrome-rec-${stamp}` })).rate as number,
    );
    runs.chromeDirect.push((await browser.run({ mode: 'direct', n: N, url: offlineWs, db: `/rec-direct-${r}.db` })).rate as number);
    runs.nodeSingle.push(await nodeRecord(true));
    runs.chromeSingle.push(
      (await browser.run({ mode: 'record', shape: 'single', n: N_SINGLE, url: offlineWs, db: `/rec-single-${r}.db`, device: `chrome-rec-${stamp}` }))
        .rate as number,
    );
  }
  const nodeBulk = median(runs.nodeBulk);
  const nodeSingle = median(runs.nodeSingle);
  const baseBulk = 'Node record([1000]) -> better-sqlite3, same stream + settings';
  const baseSingle = 'Node record(one) x1000/tick -> better-sqlite3, same stream';
  const note = (xs: number[], n = N) => `median of 3 runs of ${n} samples (${fmt(xs)}); default batch + durability, offline`;
  report({
    bench: 'sdk-browser',
    metric: 'Chromium record([1000]) via WorkerClient -> OPFS',
    unit: 'samples/s',
    value: median(runs.chromeBulk),
    baseline: baseBulk,
    baselineValue: nodeBulk,
    note: note(runs.chromeBulk),
  });
  report({
    bench: 'sdk-browser',
    metric: 'Chromium record([1000]) inside the Worker -> OPFS',
    unit: 'samples/s',
    value: median(runs.chromeDirect),
    baseline: baseBulk,
    baselineValue: nodeBulk,
    note: note(runs.chromeDirect),
  });
  report({
    bench: 'sdk-browser',
    metric: 'Chromium record(one) x1000/tick via WorkerClient -> OPFS',
    unit: 'samples/s',
    value: median(runs.chromeSingle),
    baseline: baseSingle,
    baselineValue: nodeSingle,
    note: `${note(runs.chromeSingle, N_SINGLE)}; Node ${fmt(runs.nodeSingle)}`,
  });
  report({
    bench: 'sdk-browser',
    metric: 'Node record([1000]) -> better-sqlite3 (the baseline)',
    unit: 'samples/s',
    value: nodeBulk,
    note: note(runs.nodeBulk),
  });

  // resume() -> first resent batch acknowledged.
  const chromeResume = (
    await browser.run({
      mode: 'resume',
      trials: RESUME_TRIALS,
      perTrial: PER_TRIAL,
      url: wsUrl,
      tenant: BENCH_TENANT,
      db: '/resume.db',
      device: `chrome-resume-${stamp}`,
    })
  ).trials as number[];
  const chromeFloor = (await browser.run({ mode: 'floor', trials: RESUME_TRIALS, url: wsUrl, tenant: BENCH_TENANT, device: `chrome-floor-${stamp}` }))
    .trials as number[];
  const nodeResumeMqtt = await nodeResume(mqttUrl);
  const nodeResumeWs = await nodeResume(wsUrl);
  const nodeFloorMqtt = await nodeFloor(mqttUrl, `node-floor-${stamp}`);
  const nodeFloorWs = await nodeFloor(wsUrl, `node-floorws-${stamp}`);
  const lat = (metric: string, trials: number[], floor: number[], floorName: string) => {
    const n = `median of ${trials.length} (${fmt(trials)} ms); ${PER_TRIAL} samples recorded while suspended; gateway sink ${gw.sink}; load average ${load1} on ${os.cpus().length} cores`;
    report({ bench: 'sdk-browser', metric, unit: 'ms', value: median(trials), baseline: 'goal', baselineValue: GOAL_MS, lowerIsBetter: true, note: n });
    report({
      bench: 'sdk-browser',
      metric,
      unit: 'ms',
      value: median(trials),
      baseline: floorName,
      baselineValue: median(floor),
      lowerIsBetter: true,
      note: `floor trials ${fmt(floor)} ms`,
    });
  };
  lat('Chromium resume() -> first resent batch PUBACKed (ws://)', chromeResume, chromeFloor, 'mqtt.js alone in the page: token+connect+publish+PUBACK');
  lat('Node resume() -> first resent batch PUBACKed (mqtt://)', nodeResumeMqtt, nodeFloorMqtt, 'mqtt.js alone: connect+publish+PUBACK (mqtt://)');
  lat('Node resume() -> first resent batch PUBACKed (ws://)', nodeResumeWs, nodeFloorWs, 'mqtt.js alone: connect+publish+PUBACK (ws://)');

  // Cold start with sealed batches in the outbox -> first resend acknowledged.
  const chromeCold: number[] = [];
  const chromeColdCreate: number[] = [];
  const chromePhases: string[] = [];
  for (let k = 0; k < COLD_TRIALS; k++) {
    const device = `chrome-cold-${stamp}-${k}`;
    const db = `/cold-${k}.db`;
    await browser.run({ mode: 'prepare', n: COLD_SAMPLES, url: offlineWs, tenant: BENCH_TENANT, db, device });
    const r = await browser.run({ mode: 'cold', url: wsUrl, tenant: BENCH_TENANT, db, device });
    chromeCold.push(r.fromNavigationMs as number);
    chromeColdCreate.push(r.fromCreateMs as number);
    const ms = (k: string) => Math.round(r[k] as number);
    chromePhases.push(`script ${ms('scriptMs')}, outbox open ${ms('openMs')}, connected ${ms('connectedMs')}, PUBACK ${ms('fromNavigationMs')}`);
  }
  const nodeCold_ = await nodeCold();
  const nodeColdFloor_ = await nodeColdFloor();
  const chromeColdFloor: number[] = [];
  for (let k = 0; k < COLD_TRIALS; k++)
    chromeColdFloor.push(
      (await browser.run({ mode: 'floor', trials: 1, url: wsUrl, tenant: BENCH_TENANT, device: `chrome-coldfloor-${stamp}-${k}` }))
        .firstFromNavigationMs as number,
    );
  report({
    bench: 'sdk-browser',
    metric: 'Chromium cold start -> first resend PUBACKed (navigation start, ws://)',
    unit: 'ms',
    value: median(chromeCold),
    baseline: 'goal',
    baselineValue: GOAL_MS,
    lowerIsBetter: true,
    note: `median of ${COLD_TRIALS} (${fmt(chromeCold)} ms; from createWorkerClient: ${fmt(chromeColdCreate)} ms; ms after navigation start: ${chromePhases.join(' | ')}); ${COLD_SAMPLES} samples sealed offline in a previous page; load average ${load1}`,
  });
  report({
    bench: 'sdk-browser',
    metric: 'Node cold start -> first resend PUBACKed (process spawn, mqtt://)',
    unit: 'ms',
    value: median(nodeCold_.spawn),
    baseline: 'goal',
    baselineValue: GOAL_MS,
    lowerIsBetter: true,
    note: `median of ${COLD_TRIALS} (${fmt(nodeCold_.spawn)} ms; from createClient: ${fmt(nodeCold_.create)} ms; ms after spawn: ${nodeCold_.phases.join(' | ')}); ${COLD_SAMPLES} samples sealed offline by a previous process; load average ${load1}`,
  });
  report({
    bench: 'sdk-browser',
    metric: 'Chromium cold start -> first resend PUBACKed (navigation start, ws://)',
    unit: 'ms',
    value: median(chromeCold),
    baseline: 'mqtt.js alone from navigation start: token+connect+publish+PUBACK',
    baselineValue: median(chromeColdFloor),
    lowerIsBetter: true,
    note: `floor trials ${fmt(chromeColdFloor)} ms`,
  });
  report({
    bench: 'sdk-browser',
    metric: 'Node cold start -> first resend PUBACKed (process spawn, mqtt://)',
    unit: 'ms',
    value: median(nodeCold_.spawn),
    baseline: 'node process + mqtt.js alone: spawn+connect+publish+PUBACK',
    baselineValue: median(nodeColdFloor_),
    lowerIsBetter: true,
    note: `floor trials ${fmt(nodeColdFloor_)} ms`,
  });
  console.log(
    JSON.stringify({
      bench: 'sdk-browser',
      chromeColdFloor,
      nodeColdFloor: nodeColdFloor_,
      runs,
      chromeResume,
      chromeFloor,
      nodeResumeMqtt,
      nodeResumeWs,
      nodeFloorMqtt,
      nodeFloorWs,
      chromeCold,
      chromeColdCreate,
      chromePhases,
      nodeCold: nodeCold_,
    }),
  );
} finally {
  await browser.close();
  await gw.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
