// The real-time scorer CLI as a child process (node packages/scoring/dist/cli.js run, built by `npm run build`),
// one member of a consumer group, for the tests that SIGKILL or SIGTERM members and the bench that times them;
// and a consumer group's lag per partition (committed offset against high watermark), read through any admin
// with kafkajs's fetchTopicOffsets and fetchOffsets (kafkajs itself is not a dependency).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, type StackEnv, until } from './index.js';

/** The built scorer CLI in this monorepo (from src/ or dist/ of this package alike). */
export const SCORING_CLI = fileURLToPath(new URL('../../scoring/dist/cli.js', import.meta.url));

/** Where one scorer group of a run reads and writes: its schema, group, input topic and output topics. */
export interface ScorerRun {
  schema: string;
  group: string;
  topic: string;
  out: { trips: string; scores: string; alerts: string; deadletter: string };
}

/**
 * The scorer CLI's env for one run on the stack (the ops port aside: ScorerCli.start picks it): no topic
 * creation, no periodic sweep, model 1.0.0, log level info; `extra` adds to or overrides any of it.
 */
export function scorerEnv(env: StackEnv, run: ScorerRun, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FW_KAFKA_BROKERS: env.brokers.join(','),
    FW_DATABASE_URL: env.databaseUrl,
    FW_REDIS_URL: env.redisUrl,
    FW_DB_SCHEMA: run.schema,
    FW_SCORING_GROUP: run.group,
    FW_SCORING_TOPIC: run.topic,
    FW_TOPIC_TRIPS: run.out.trips,
    FW_TOPIC_SCORES: run.out.scores,
    FW_TOPIC_ALERTS: run.out.alerts,
    FW_TOPIC_DEADLETTER: run.out.deadletter,
    FW_SCORING_CREATE_TOPICS: '0',
    FW_SCORING_SWEEP_MS: '0',
    FW_MODEL_VERSION: '1.0.0',
    FW_LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface ScorerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ScorerCliOptions {
  /** How long to wait for /readyz 200 (ms). */
  readyMs?: number;
  /** How much of the member's stdout and stderr to keep in `log` (characters, the last ones). */
  keepLog?: number;
}

export class ScorerCli {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (with its code or signal). */
  readonly exit: Promise<ScorerExit>;
  /** The tail of its stdout and stderr, interleaved. */
  log = '';

  private constructor(
    readonly name: string,
    readonly opsPort: number,
    env: Record<string, string>,
    keepLog: number,
  ) {
    const child = spawn(process.execPath, [SCORING_CLI, 'run'], {
      env: { PATH: process.env.PATH, ...env, FW_SCORING_PORT: String(opsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-keepLog);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /**
   * Starts a member with `env` (and PATH; FW_SCORING_PORT is set to a free port, its ops port) and waits until
   * the ops port answers /readyz with 200 (joined, consuming). Throws naming the member and its log tail if it
   * exits first or is not ready in time (then it is SIGKILLed).
   */
  static async start(name: string, env: Record<string, string>, { readyMs = 60_000, keepLog = 40_000 }: ScorerCliOptions = {}): Promise<ScorerCli> {
    if (!existsSync(SCORING_CLI)) throw new Error(`${SCORING_CLI} is missing: run npm run build`);
    const p = new ScorerCli(name, await freePort(), env, keepLog);
    let r: 'exited' | boolean;
    try {
      r = await until(
        `scorer ${name} ready on :${p.opsPort}`,
        async () => {
          if (!p.running) return 'exited';
          return (await fetch(`http://127.0.0.1:${p.opsPort}/readyz`).catch(() => null))?.ok ?? false;
        },
        readyMs,
        200,
      );
    } catch (e) {
      p.child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; its log: ${p.log.slice(-2000)}`);
    }
    if (r === 'exited') {
      const x = await p.exit;
      throw new Error(`scorer ${name} exited with ${x.code ?? x.signal} before it was ready: ${p.log.slice(-2000)}`);
    }
    return p;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.opsPort}/metrics`)).text();
  }

  /** SIGKILL: no commit, no leave-group; its partitions wait for the session timeout. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM: finishes its batch, commits, leaves the group. Resolves with the exit and how long it took. */
  async term(): Promise<ScorerExit & { ms: number }> {
    const t0 = Date.now();
    if (this.running) this.child.kill('SIGTERM');
    const r = await this.exit;
    return { ...r, ms: Date.now() - t0 };
  }

  /** SIGTERM, then SIGKILL if it has not exited after timeoutMs. Resolves once it has exited. */
  async stop(timeoutMs = 20_000): Promise<ScorerExit> {
    if (!this.running) return this.exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const first = await Promise.race([this.exit, late]);
    clearTimeout(timer);
    if (!first && this.running) this.child.kill('SIGKILL');
    return this.exit;
  }
}

/** What groupLag needs of an admin client: kafkajs's Admin has both, as these signatures. */
export interface OffsetsAdmin {
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string }[]>;
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** One partition's high watermark and the group's committed offset on it (-1: none committed). */
export interface PartitionLag {
  partition: number;
  high: number;
  committed: number;
}

/** Every partition's committed offset for the group against its high watermark, by partition. */
export async function groupLag(admin: OffsetsAdmin, topic: string, groupId: string): Promise<PartitionLag[]> {
  const marks = await admin.fetchTopicOffsets(topic);
  const [mine] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map((mine?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return marks
    .map((m) => ({ partition: m.partition, high: Number(m.high), committed: committed.get(m.partition) ?? -1 }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Lag 0: the group has consumed every partition up to its high watermark. A partition with high watermark 0
 * has nothing to consume and counts as caught up (its committed offset stays -1).
 */
export const lagIsZero = (lags: readonly PartitionLag[]): boolean => lags.every((p) => p.high === 0 || p.committed >= p.high);
