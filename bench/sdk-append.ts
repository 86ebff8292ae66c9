// Device SDK throughput: samples/s through record() (durable SQLite outbox append, group commit) and
// end to end to a local Aedes broker (PUBACK), against a raw better-sqlite3 batched insert of the same
// rows measured in the same run. Run: npm run bench:sdk -w bench (builds device-sdk dist first).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { createClient, type Durability, type SampleRecord } from '@fleetwire/device-sdk';
import { makeSamples } from './lib-drive.js';
import { load, report } from './lib.js';
import { freePort } from '@fleetwire/test-kit';

const N = Number(process.env.FW_BENCH_SDK_SAMPLES ?? 400_000);
const CHUNK = 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-sdk-'));

/** Raw baseline: one row per sample with numeric columns, prepared statement, CHUNK rows a transaction. */
async function rawInsert(samples: SampleRecord[], durability: Durability): Promise<number> {
  const Database = (await load('better-sqlite3')).default as typeof BetterSqlite3;
  const db = new Database(path.join(dir, `raw-${durability}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec('CREATE TABLE s (id INTEGER PRIMARY KEY, kind INTEGER, t INTEGER, a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER, f INTEGER)');
  const ins = db.prepare('INSERT INTO s (kind, t, a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((rows: SampleRecord[]) => {
    for (const s of rows) {
      if (s.kind === 'gps')
        ins.run(
          1,
          s.t,
          Math.round(s.lat * 1e7),
          Math.round(s.lon * 1e7),
          Math.round((s.speed ?? 0) * 100),
          Math.round((s.heading ?? 0) * 100),
          Math.round((s.hdop ?? 0) * 100),
          Math.round((s.alt ?? 0) * 10),
        );
      else if (s.kind === 'accel') ins.run(2, s.t, Math.round(s.x * 1000), Math.round(s.y * 1000), Math.round(s.z * 1000), 0, 0, 0);
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += CHUNK) tx(samples.slice(i, i + CHUNK));
  const rate = (samples.length * 1000) / (performance.now() - t0);
  db.close();
  return rate;
}

/** record() path: offline client (nothing listens), arrays of CHUNK samples awaited one after another. */
async function sdkAppend(samples: SampleRecord[], durability: Durability, concurrent: boolean): Promise<number> {
  const client = await createClient({
    deviceId: 'bench-dev',
    tenant: 'bench',
    url: `mqtt://127.0.0.1:${await freePort()}`,
    storage: { path: path.join(dir, `sdk-${durability}-${concurrent}.db`) },
    durability,
    batch: { intervalMs: 60_000, maxSamples: 20_000, maxBytes: 512 * 1024 },
    retention: { maxBytes: 4 * 1024 ** 3 },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  client.on('error', () => {});
  const t0 = performance.now();
  if (concurrent) {
    // 1000 single-sample record() calls per tick: group commit shares one transaction.
    for (let i = 0; i < samples.length; i += CHUNK) await Promise.all(samples.slice(i, i + CHUNK).map((s) => client.record(s)));
  } else {
    for (let i = 0; i < samples.length; i += CHUNK) await client.record(samples.slice(i, i + CHUNK));
  }
  const rate = (samples.length * 1000) / (performance.now() - t0);
  if (client.stats().stored !== samples.length) throw new Error(`stored ${client.stats().stored} of ${samples.length}`);
  await client.close();
  return rate;
}

/** End to end: record everything, then flush until every batch has its PUBACK from a local Aedes. */
async function sdkPublish(samples: SampleRecord[], durability: Durability): Promise<number> {
  const { Aedes } = await load('aedes');
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const client = await createClient({
    deviceId: 'bench-pub',
    tenant: 'bench',
    url: `mqtt://127.0.0.1:${port}`,
    storage: { path: path.join(dir, `pub-${durability}.db`) },
    durability,
    batch: { intervalMs: 1000, maxSamples: 10_000, maxBytes: 256 * 1024 },
    retention: { maxBytes: 4 * 1024 ** 3 },
  });
  await new Promise<void>((r) => client.once('connected', () => r()));
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += CHUNK) await client.record(samples.slice(i, i + CHUNK));
  await client.flush({ timeoutMs: 120_000 });
  const rate = (samples.length * 1000) / (performance.now() - t0);
  const st = client.stats();
  if (st.sent.samples !== samples.length) throw new Error(`sent ${st.sent.samples} of ${samples.length}`);
  await client.close();
  server.close();
  await new Promise<void>((r) => aedes.close(() => r()));
  return rate;
}

const samples = makeSamples(N);
const rows: { metric: string; value: number; baseline: number }[] = [];
for (const durability of ['normal', 'fsync-per-batch'] as Durability[]) {
  const raw = await rawInsert(samples, durability);
  const append = await sdkAppend(samples, durability, false);
  const single = await sdkAppend(samples, durability, true);
  const publish = await sdkPublish(samples, durability);
  const base = `raw better-sqlite3 insert, ${CHUNK} rows/tx, ${durability}`;
  for (const [metric, value] of [
    [`record([${CHUNK}]) append, ${durability}`, append],
    [`record(one) x${CHUNK}/tick append, ${durability}`, single],
    [`record -> PUBACK (aedes), ${durability}`, publish],
  ] as const) {
    report({ bench: 'sdk-append', metric, unit: 'samples/s', value, baseline: base, baselineValue: raw, note: `${N} samples` });
    rows.push({ metric, value, baseline: raw });
  }
}
console.log(JSON.stringify({ bench: 'sdk-append', samples: N, results: rows.map((r) => ({ ...r, ratio: +(r.value / r.baseline).toFixed(3) })) }));
for (const r of rows)
  console.log(
    `${r.metric.padEnd(44)} ${Math.round(r.value).toLocaleString('en-US').padStart(10)} samples/s   raw ${Math.round(r.baseline).toLocaleString('en-US').padStart(10)}   ratio ${(r.value / r.baseline).toFixed(2)}x`,
  );
fs.rmSync(dir, { recursive: true, force: true });
