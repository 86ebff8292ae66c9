// The real-time scorer as a child process (node packages/scoring/dist/cli.js run), one member of a consumer
// group, so a test can SIGKILL it or SIGTERM it and read its /metrics. Needs `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, until, type StackEnv } from './env.js';
import type { RunNames } from './pipeline.js';

export const SCORING_CLI = fileURLToPath(new URL('../../packages/scoring/dist/cli.js', import.meta.url));

export class ScorerProcess {
  child: ChildProcess | null = null;
  log = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

  private constructor(
    readonly name: string,
    readonly env: StackEnv,
    readonly names: RunNames,
    readonly opsPort: number,
    readonly extraEnv: Record<string, string>,
  ) {}

  /** Starts a member and waits until its ops port answers /readyz with 200 (joined, consuming). */
  static async start(name: string, env: StackEnv, names: RunNames, extraEnv: Record<string, string> = {}): Promise<ScorerProcess> {
    if (!existsSync(SCORING_CLI)) throw new Error(`${SCORING_CLI} is missing: run npm run build`);
    const p = new ScorerProcess(name, env, names, await freePort(), extraEnv);
    await p.spawn();
    return p;
  }

  private async spawn(): Promise<void> {
    const n = this.names;
    const child = spawn(process.execPath, [SCORING_CLI, 'run'], {
      env: {
        PATH: process.env.PATH,
        FW_KAFKA_BROKERS: this.env.brokers.join(','),
        FW_DATABASE_URL: this.env.databaseUrl,
        FW_REDIS_URL: this.env.redisUrl,
        FW_DB_SCHEMA: n.schema,
        FW_SCORING_GROUP: n.group,
        FW_SCORING_TOPIC: n.telemetry,
        FW_TOPIC_TRIPS: n.out.trips,
        FW_TOPIC_SCORES: n.out.scores,
        FW_TOPIC_ALERTS: n.out.alerts,
        FW_TOPIC_DEADLETTER: n.out.deadletter,
        FW_SCORING_CREATE_TOPICS: '0',
        FW_SCORING_PORT: String(this.opsPort),
        FW_SCORING_SWEEP_MS: '0',
        FW_MODEL_VERSION: '1.0.0',
        FW_LOG_LEVEL: 'info',
        ...this.extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-40_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await until(
      `scorer ${this.name} ready on :${this.opsPort}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`scorer ${this.name} exited with ${child.exitCode}: ${this.log.slice(-2000)}`);
        return (await fetch(`http://127.0.0.1:${this.opsPort}/readyz`).catch(() => null))?.ok ?? false;
      },
      60_000,
      200,
    );
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.opsPort}/metrics`)).text();
  }

  /** SIGKILL: no commit, no leave-group; its partitions wait for the session timeout. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM: finishes its batch, commits, leaves the group. Resolves with the exit. */
  async term(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const t0 = Date.now();
    if (this.running) this.child!.kill('SIGTERM');
    const r = await this.exit;
    return { ...r, ms: Date.now() - t0 };
  }
}
