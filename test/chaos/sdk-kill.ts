// Scenario c: the device process (SDK + SQLite outbox) is SIGKILLed repeatedly while it records and
// publishes. Every sample whose record() had resolved must reach Kafka and Postgres.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintDeviceToken } from '@fleetwire/gateway';
import { decodeTelemetryRecord, gpsColumns } from '@fleetwire/proto';
import { expect } from 'vitest';
import { sleep, uniq, until } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { ledger, runNames, startScorer, TOKEN_SECRET, type ScorerHandle } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { saveResult } from './results.js';

const CHILD = fileURLToPath(new URL('./sdk-child.mjs', import.meta.url));
export const SDK_KILLS = 10;
const DEVICES = 2;
const END = 12_000; // samples per device

/** Runs one child life; resolves with the last index it reported as resolved (or -1) and how it ended. */
function life(env: Record<string, string>, killAfterMs: number | null): Promise<{ last: number; finished: string | null; killed: boolean; exit: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CHILD], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = -1;
    let finished: string | null = null;
    let buf = '';
    let err = '';
    c.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('R ')) last = Number(line.slice(2));
        else if (line.startsWith('F ')) finished = line.slice(2);
      }
    });
    c.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    const timer = killAfterMs === null ? setTimeout(() => c.kill('SIGKILL'), 90_000) : setTimeout(() => c.kill('SIGKILL'), killAfterMs);
    c.once('error', reject);
    c.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (killAfterMs === null && code !== 0) return reject(new Error(`final SDK child exited ${code ?? signal}: ${err}`));
      resolve({ last, finished, killed: signal === 'SIGKILL', exit: signal === 'SIGKILL' ? '' : `exit ${code ?? signal}: ${err.slice(-600)}` });
    });
  });
}

/** GPS timestamps per device in the Kafka topic (distinct batches only) and the number of resent batches. */
async function kafkaTimes(
  sc: ScorerHandle,
  topic: string,
  expectedRecords: () => Promise<number>,
): Promise<{ times: Map<string, Set<number>>; records: number; resends: number; samples: number }> {
  const times = new Map<string, Set<number>>();
  const keys = new Set<string>();
  let records = 0;
  let resends = 0;
  let samples = 0;
  const consumer = sc.kafka.consumer({ groupId: uniq('ckc-read-') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      records++;
      const r = decodeTelemetryRecord(message.value!);
      if (!r.ok) return;
      const b = r.value.batch!;
      const k = `${b.deviceId}/${b.bootId}/${String(b.seq)}`;
      if (keys.has(k)) return void resends++;
      keys.add(k);
      const g = gpsColumns(b.gps);
      samples += g.t.length;
      const set = times.get(b.deviceId!) ?? new Set<number>();
      for (const t of g.t) set.add(t);
      times.set(b.deviceId!, set);
    },
  });
  const want = await expectedRecords();
  await until(`${want} records of ${topic}`, () => records >= want, 30_000, 100);
  await consumer.disconnect();
  return { times, records, resends, samples };
}

export async function sdkKill(stack: PrivateStack): Promise<void> {
  const started = Date.now();
  const n = runNames(uniq('ckc'));
  const sc = await startScorer(stack.env, n);
  const gw = await GatewayProcess.create(stack.env, n);
  const dir = mkdtempSync(join(tmpdir(), 'fw-chaos-sdk-'));
  const T0 = Date.now() - 3 * 3600_000;
  let kills = 0;
  let midRecording = 0;
  const otherExits: string[] = [];
  try {
    const devices = Array.from({ length: DEVICES }, (_, i) => `${n.id}-d${i}`);
    const resolved = new Map<string, number>(devices.map((d) => [d, -1]));
    const envOf = (d: string, from: number, final: boolean): Record<string, string> => ({
      DEVICE: d,
      TENANT: n.tenant,
      URL: gw.url,
      PASS: mintDeviceToken({ tenant: n.tenant, deviceId: d, secret: TOKEN_SECRET, ttlSec: 3600 }),
      DB: join(dir, `${d}.db`),
      FROM: String(from),
      END: String(END - 1),
      T0: String(T0),
      FINAL: final ? '1' : '0',
    });
    await Promise.all(
      devices.map(async (d, k) => {
        for (let i = 0; i < SDK_KILLS / DEVICES; i++) {
          const r = await life(envOf(d, resolved.get(d)! + 1, false), 700 + ((i * 7919 + k * 104729) % 1300));
          if (r.last > resolved.get(d)!) resolved.set(d, r.last);
          if (r.killed) kills++;
          else otherExits.push(r.exit);
          if (r.killed && r.last < END - 1) midRecording++;
        }
        const f = await life(envOf(d, resolved.get(d)! + 1, true), null);
        if (f.last > resolved.get(d)!) resolved.set(d, f.last);
        if (!f.finished) throw new Error(`${d}: final run did not flush`);
      }),
    );
    // Kafka: every resolved sample (by timestamp) must be there.
    const admin = sc.kafka.admin();
    await admin.connect();
    const hi = async () => (await admin.fetchTopicOffsets(n.telemetry)).reduce((a, p) => a + Number(p.high), 0);
    const k = await kafkaTimes(sc, n.telemetry, hi);
    await admin.disconnect();
    let lost = 0;
    let resolvedTotal = 0;
    for (const d of devices) {
      const set = k.times.get(d) ?? new Set<number>();
      const last = resolved.get(d)!;
      resolvedTotal += last + 1;
      for (let i = 0; i <= last; i++) if (!set.has(T0 + i * 100)) lost++;
    }
    // Postgres: the scorer committed every distinct batch's samples once.
    const pg = await until(
      'the scorer to commit every batch',
      async () => {
        const l = await ledger(sc.db, `${n.id}-d`);
        const gps = [...l.values()].reduce((a, x) => a + x.gps, 0);
        return gps === k.samples ? l : null;
      },
      60_000,
      500,
    );
    const dups = [...pg.values()].reduce((a, x) => a + x.batches - x.distinctKeys, 0);
    const stored = [...pg.values()].reduce((a, x) => a + x.gps, 0);
    const reRecorded = k.samples - [...k.times.values()].reduce((a, s) => a + s.size, 0);
    console.log(
      `[chaos c] ${JSON.stringify({ kills, midRecording, otherExits, resolvedTotal, kafkaSamples: k.samples, stored, lost, dups, kafkaResends: k.resends, reRecorded })}`,
    );
    expect(kills).toBeGreaterThanOrEqual(SDK_KILLS - 1);
    expect(midRecording, 'kills that landed while record() calls were still running').toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(dups).toBe(0);
    saveResult({
      name: 'c-sdk-kill',
      title: 'Device process SIGKILLed while recording and publishing',
      fault: `SDK process SIGKILLed ${kills} times at random moments (${DEVICES} devices), restarted on the same SQLite outbox`,
      load: `${DEVICES} devices, ${resolvedTotal} samples whose record() resolved`,
      faultsSurvived: kills,
      inputs: 0,
      ackedSamples: resolvedTotal,
      storedSamples: stored,
      lost,
      duplicates: dups,
      notes: `${otherExits.length > 0 ? `${otherExits.length} child lives ended before the kill (${otherExits.join('; ').slice(0, 200)}); ` : ''}${midRecording} of the kills landed while record() calls were running; ${k.resends} batches resent after a kill (same boot_id/seq, counted once); ${reRecorded} samples recorded again by the restarted app because it was killed after record() committed but before it saw the result (not a loss, not a batch duplicate)`,
      wallMs: Date.now() - started,
    });
    await sleep(0);
  } finally {
    await gw.stop();
    await sc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
