// Child-process helpers for integration tests of the built CLI (dist/cli.js): spawn `serve` as a real
// process on ephemeral loopback ports, learn its ports from the "gateway listening" log line, wait for
// /readyz, run one-shot commands (mint-token, push-config), and always kill what was started.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function assertCliBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: build first (npm run build -w @fleetwire/gateway)`);
}

/** process.env without FW_* variables, so a child sees only the configuration a test gives it. */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FW_')) out[k] = v;
  return out;
}

export interface GatewayProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  ports: { mqtt: number; http: number };
  mqttUrl: string;
  httpUrl: string;
  /** Resolves with the exit code / signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last lines of stdout/stderr, for failure messages. */
  logTail(): string;
  /** Sends `signal` and waits (bounded) for the exit; escalates to SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

const live = new Set<GatewayProcess>();
// Last resort if the test runner exits without afterAll: never leave a gateway process behind.
process.once('exit', () => {
  for (const g of live) g.child.kill('SIGKILL');
});

export interface SpawnGatewayOptions {
  name: string;
  /** FW_* configuration (ports default to ephemeral on 127.0.0.1, TLS off). */
  env: Record<string, string>;
  args?: string[];
  /** Bound on start-up until the "gateway listening" line (default 20 s). */
  startTimeoutMs?: number;
}

/** Starts `node dist/cli.js serve` and resolves once it listens. Rejects (and kills it) on exit or timeout. */
export function spawnGateway(o: SpawnGatewayOptions): Promise<GatewayProcess> {
  assertCliBuilt();
  const env = {
    ...baseEnv(),
    FW_GATEWAY_HOST: '127.0.0.1',
    FW_GATEWAY_MQTT_PORT: '0',
    FW_GATEWAY_HTTP_PORT: '0',
    FW_GATEWAY_TLS_PORT: 'off',
    FW_LOG_LEVEL: 'info',
    ...o.env,
  };
  const child = spawn(process.execPath, [CLI, 'serve', ...(o.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (prefix: string, l: string) => {
    lines.push(`${prefix} ${l}`);
    if (lines.length > 60) lines.shift();
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise<GatewayProcess>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`gateway ${o.name}: ${why}\n${lines.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no "gateway listening" within ${o.startTimeoutMs ?? 20_000} ms`), o.startTimeoutMs ?? 20_000);
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        keep('out', line);
        if (settled) continue;
        let rec: { msg?: string; ports?: { mqtt?: number | null; http?: number | null } };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          continue;
        }
        if (rec.msg !== 'gateway listening') continue;
        const mqtt = rec.ports?.mqtt;
        const http = rec.ports?.http;
        if (typeof mqtt !== 'number' || typeof http !== 'number') return fail(`listening line without mqtt/http ports: ${line}`);
        settled = true;
        clearTimeout(timer);
        const gp: GatewayProcess = {
          name: o.name,
          child,
          pid: child.pid!,
          ports: { mqtt, http },
          mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
          httpUrl: `http://127.0.0.1:${http}`,
          exited,
          logTail: () => lines.join('\n'),
          stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill(signal);
              let t: NodeJS.Timeout | undefined;
              const late = new Promise<'late'>((r) => (t = setTimeout(() => r('late'), timeoutMs)));
              if ((await Promise.race([exited, late])) === 'late') {
                child.kill('SIGKILL');
                await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
              }
              clearTimeout(t);
            }
            live.delete(gp);
          },
        };
        live.add(gp);
        resolve(gp);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const l of chunk.split('\n')) if (l) keep('err', l);
    });
    child.once('error', (e) => fail(`spawn failed: ${e.message}`));
    void exited.then(({ code, signal }) => fail(`exited during start-up (code ${code}, signal ${signal})`));
  });
}

/** Kills every gateway process spawned by this module that is still running (for afterAll). */
export async function stopAllGateways(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all([...live].map((g) => g.stop(signal, 5000)));
}

/** Polls GET /readyz until 200 (bounded). */
export async function waitReady(g: GatewayProcess, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  let last = 'no answer';
  while (Date.now() - t0 < timeoutMs) {
    if (g.child.exitCode !== null || g.child.signalCode !== null) throw new Error(`gateway ${g.name} exited before ready\n${g.logTail()}`);
    try {
      const r = await fetch(`${g.httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway ${g.name}: /readyz not 200 within ${timeoutMs} ms (last: ${last})\n${g.logTail()}`);
}

/** Runs a one-shot CLI command (mint-token, push-config, ...) with the given FW_* env; bounded by `timeoutMs`. */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number; out: string; err: string }> {
  assertCliBuilt();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1) : 0;
      resolve({ code, out: String(stdout), err: String(stderr) });
    });
  });
}
