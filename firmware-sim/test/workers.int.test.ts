// `fleetwire-sim run --workers N` (the built CLI) against the real gateway (in-process, in-memory sink):
// the fleet split over worker threads sends the same devices and drives as one thread, every sample
// arrives, a failing worker ends the run with an error, and Ctrl-C stops every thread.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTelemetryRecord } from '@fleetwire/proto';
import { MemorySink, startGateway, type Gateway } from '@fleetwire/gateway';
import type { FleetSummary } from '../src/index.js';
import { BatchCollector } from './helpers/collector.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const SECRET = 'firmware-sim-workers-secret-0123456789';
let gw: Gateway;
let sink: MemorySink;
const dir = mkdtempSync(path.join(tmpdir(), 'fw-sim-workers-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { interruptAfterMs?: number; interruptWhen?: () => boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FW_GATEWAY_TOKEN_SECRET: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
    if (opts.interruptAfterMs) setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
    if (opts.interruptWhen) {
      // Interrupt once the run is observably under way (its handler is installed by then), not after a guess.
      const poll = setInterval(() => {
        if (!opts.interruptWhen!()) return;
        clearInterval(poll);
        child.kill('SIGINT');
      }, 100);
      child.once('exit', () => clearInterval(poll));
    }
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `run` flags for 5 devices x 10 simulated minutes; `over` replaces any of them. */
function runArgs(tenant: string, over: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    workers: '2',
    devices: '5',
    speedup: '1200',
    duration: '10m',
    gateway: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
    tenant,
    'token-secret': SECRET,
    seed: 'workers-int',
    'data-dir': path.join(dir, tenant),
    ...over,
  };
  return ['run', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]), '--json'];
}

function arrived(tenant: string): BatchCollector {
  const c = new BatchCollector();
  for (const r of sink.telemetry) {
    const rec = decodeTelemetryRecord(r.value);
    if (rec.ok && rec.value.tenant === tenant) c.add(rec.value.batch!);
  }
  return c;
}

beforeAll(async () => {
  sink = new MemorySink();
  gw = await startGateway({ host: '127.0.0.1', mqttPort: 0, tlsPort: null, httpPort: null, tokenSecrets: [SECRET], sink, logLevel: 'warn' });
});
afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fleetwire-sim run --workers', () => {
  it('splits the fleet over threads: same devices and drives as one thread, every sample arrives', async () => {
    const [one, two] = await Promise.all([cli(runArgs('wk1', { workers: '1' })), cli(runArgs('wk2'))]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const a = JSON.parse(one.stdout) as FleetSummary;
    const b = JSON.parse(two.stdout) as FleetSummary;
    expect(b.devices).toBe(5);
    expect(b.complete).toBe(true);
    const shape = (s: FleetSummary) => s.perDevice.map((d) => [d.deviceId, d.profile, d.generated]);
    expect(shape(b)).toEqual(shape(a));
    expect(b.generated).toBe(a.generated);
    const c = arrived('wk2');
    for (const d of b.perDevice) expect(c.total(d.deviceId), d.deviceId).toBe(d.generated);
    expect(b.sentSamples).toBe(b.generated);
  }, 120_000);

  it('a thread that cannot start its devices ends the run with the error (exit 1), not a hang', async () => {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await cli(runArgs('wkbad', { 'data-dir': file }));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/fleetwire-sim: .*(EEXIST|ENOTDIR|not a directory|file already exists)/i);
  }, 60_000);

  it('rejects a bad --workers value as a usage error', async () => {
    for (const bad of ['0', '65', 'two']) {
      const r = await cli(runArgs('wkflag', { workers: bad }));
      expect(r.code, bad).toBe(64);
      expect(r.stderr).toMatch(/--workers/);
    }
  });

  it('Ctrl-C stops every thread and reports the run as aborted', async () => {
    const args = runArgs('wkint', { speedup: '20' });
    const t0 = Date.now();
    const r = await cli(args, { interruptWhen: () => sink.telemetry.some((x) => x.tenant === 'wkint') });
    expect(Date.now() - t0).toBeLessThan(30_000); // 10 simulated minutes at 20x would take 30 s
    expect(r.code, r.stderr).toBe(2);
    const s = JSON.parse(r.stdout) as FleetSummary;
    expect(s.aborted).toBe(true);
    expect(s.devices).toBe(5);
  }, 60_000);
});
