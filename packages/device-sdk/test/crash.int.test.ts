// A child process using the built SDK is SIGKILLed mid-stream; after a restart nothing that record() had
// resolved is lost, batches sealed by the first boot keep its boot_id, and samples are not duplicated.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBatches, startBroker, type TestBroker } from './helpers/broker.js';
import { dedupe, sampleIndexes } from './helpers/samples.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));
let dir: string;
let broker: TestBroker;

beforeAll(async () => {
  execFileSync('npx', ['tsup', '--silent'], { cwd: pkg, stdio: 'pipe' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-kill-'));
  broker = await startBroker();
}, 120_000);
afterAll(async () => {
  await broker?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

function run(args: string[], onLine: (l: Line, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  readline.createInterface({ input: p.stdout }).on('line', (s) => onLine(JSON.parse(s) as Line, () => p.kill('SIGKILL')));
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('crash safety', () => {
  it('loses nothing record() resolved when killed with SIGKILL', async () => {
    const sub = await collectBatches(broker.url);
    const db = path.join(dir, 'kill.db');
    let resolved = 0;
    let bootId1 = '';
    const r1 = await run(['record', db, broker.url, '200000'], (l, kill) => {
      if (typeof l.resolved === 'number') {
        resolved = l.resolved;
        bootId1 = String(l.bootId);
        if (resolved >= 30_000) kill();
      }
    });
    expect(r1.signal).toBe('SIGKILL');
    expect(resolved).toBeGreaterThanOrEqual(30_000);
    expect(resolved).toBeLessThan(200_000);

    let stats: Line | null = null;
    const r2 = await run(['drain', db, broker.url], (l) => {
      if (l.stats) stats = l.stats as Line;
    });
    expect(r2.code).toBe(0);
    expect(stats).not.toBeNull();
    const s = stats as unknown as { sealedBatches: number; pendingSamples: number; bootId: string };
    expect(s.sealedBatches).toBe(0);
    expect(s.pendingSamples).toBe(0);
    expect(s.bootId).not.toBe(bootId1);

    await new Promise((r) => setTimeout(r, 200));
    const { unique, duplicates } = dedupe(sub.batches);
    const idx = sampleIndexes(unique);
    // Every resolved sample arrived; anything beyond is a contiguous tail committed just before the kill.
    const seen = new Set(idx);
    expect(seen.size).toBe(idx.length); // no sample twice outside duplicate batches
    for (let i = 0; i < resolved; i++) if (!seen.has(i)) throw new Error(`sample ${i} lost`);
    expect(Math.max(...idx)).toBe(idx.length - 1);
    expect(unique.some((b) => b.bootId === bootId1)).toBe(true);
    expect(sub.errors).toEqual([]);
    console.log(`resolved before kill ${resolved}, delivered ${idx.length}, batches ${unique.length}, duplicate batches ${duplicates}`);
    await sub.close();
  });
});
