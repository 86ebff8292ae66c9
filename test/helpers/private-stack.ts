// A private Kafka/Postgres/Redis stack (scripts/stack with its own state dir and ports) for tests that
// stop servers. Single servers are paused, stopped and restarted from here through the pid files in the
// state dir; `scripts/stack up` is idempotent, so it restarts exactly the servers that are down.
// A stack may be a Kafka cluster (kafkaNodes: 3) and may run only some servers (services).
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, sleep, type StackEnv } from './env.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface PrivateStackOptions {
  dir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  pgPort: number;
  redisPort: number;
  /** Kafka nodes (scripts/stack FW_STACK_KAFKA_NODES); node i listens on kafkaPort + 2(i-1). Default 1. */
  kafkaNodes?: number;
  /** FW_STACK_KAFKA_VERSION; default the script's. */
  kafkaVersion?: string;
  /** FW_STACK_SERVICES; default all three. */
  services?: Server[];
  /** Postgres/Redis of another stack, for a Kafka-only stack. */
  shared?: { databaseUrl: string; redisUrl: string };
}

export type Server = 'kafka' | 'postgres' | 'redis';

const canBind = (port: number): Promise<boolean> =>
  freePort(port).then(
    () => true,
    () => false,
  );

/**
 * Options for a stack in a fresh state dir on ports nothing listens on: a random block below the
 * ephemeral range (so two engineers' or CI's suites on one machine do not meet), every port checked.
 */
export async function freeStackOptions(name: string, o: Partial<PrivateStackOptions> = {}): Promise<PrivateStackOptions> {
  const nodes = o.kafkaNodes ?? 1;
  const count = 2 * nodes + 2;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 1_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (!(await Promise.all(ports.map(canBind))).every(Boolean)) continue;
    // node i: broker base+2(i-1), controller base+2(i-1)+1; then Postgres and Redis
    return { dir: `/tmp/fw-${name}-${base}`, kafkaPort: base, kafkaControllerPort: base + 1, pgPort: base + 2 * nodes, redisPort: base + 2 * nodes + 1, ...o };
  }
  throw new Error(`no free block of ${count} loopback ports found for the ${name} stack`);
}

export class PrivateStack {
  constructor(readonly o: PrivateStackOptions) {}

  get nodes(): number {
    return this.o.kafkaNodes ?? 1;
  }

  /** Broker address of Kafka node i (1-based). */
  broker(node: number): string {
    return `127.0.0.1:${this.o.kafkaPort + 2 * (node - 1)}`;
  }

  get env(): StackEnv {
    return {
      brokers: Array.from({ length: this.nodes }, (_, i) => this.broker(i + 1)),
      databaseUrl: this.o.shared?.databaseUrl ?? `postgres://postgres@127.0.0.1:${this.o.pgPort}/fleetwire`,
      redisUrl: this.o.shared?.redisUrl ?? `redis://127.0.0.1:${this.o.redisPort}`,
    };
  }

  private async stack(cmd: 'up' | 'down' | 'status'): Promise<string> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FW_STACK_DIR: this.o.dir,
      FW_STACK_KAFKA_PORT: String(this.o.kafkaPort),
      FW_STACK_KAFKA_CONTROLLER_PORT: String(this.o.kafkaControllerPort),
      FW_STACK_PG_PORT: String(this.o.pgPort),
      FW_STACK_REDIS_PORT: String(this.o.redisPort),
      FW_STACK_KAFKA_NODES: String(this.nodes),
    };
    if (this.o.kafkaVersion) env.FW_STACK_KAFKA_VERSION = this.o.kafkaVersion;
    if (this.o.services) env.FW_STACK_SERVICES = this.o.services.join(' ');
    // The shared stack's env must not leak in: with all three set, scripts/stack starts nothing.
    delete env.FW_KAFKA_BROKERS;
    delete env.FW_DATABASE_URL;
    delete env.FW_REDIS_URL;
    const r = await run('bash', [join(REPO, 'scripts/stack'), cmd], { env, cwd: REPO, timeout: 240_000, maxBuffer: 4 << 20 });
    return r.stdout + r.stderr;
  }

  /** Starts every server that is not running and waits until all answer. */
  up(): Promise<string> {
    return this.stack('up');
  }

  /** Stops the servers, removes the state dir (scripts/stack down) and the lock file beside it. */
  async down(): Promise<string> {
    const out = await this.stack('down');
    rmSync(`${this.o.dir.replace(/\/+$/, '')}.lock`, { force: true });
    return out;
  }

  /** State dir of Kafka node i, as scripts/stack lays it out. */
  kafkaDir(node = 1): string {
    return join(this.o.dir, this.nodes === 1 ? 'kafka' : `kafka-${node}`);
  }

  pid(server: Server, node = 1): number {
    const file =
      server === 'kafka'
        ? join(this.kafkaDir(node), 'kafka.pid')
        : server === 'redis'
          ? join(this.o.dir, 'redis/redis.pid')
          : join(this.o.dir, 'pg/data/postmaster.pid');
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]!.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${file}`);
    return pid;
  }

  /** SIGSTOP: the process keeps its sockets open but answers nothing (a hung server). */
  pause(server: Server): void {
    process.kill(this.pid(server), 'SIGSTOP');
  }

  resume(server: Server): void {
    process.kill(this.pid(server), 'SIGCONT');
  }

  /** Stops one server (SIGINT = Postgres fast shutdown, SIGTERM otherwise) and waits for it to exit. */
  async stop(server: Server, timeoutMs = 30_000, node = 1): Promise<void> {
    const pid = this.pid(server, node);
    process.kill(pid, server === 'postgres' ? 'SIGINT' : 'SIGTERM');
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(100);
    }
    process.kill(pid, 'SIGKILL');
  }

  /** Restarts whatever is down (scripts/stack up is idempotent). */
  restart(): Promise<string> {
    return this.up();
  }

  /** SIGKILL Kafka node i (no controlled shutdown) and wait until it is gone. */
  async killKafkaNode(node: number): Promise<void> {
    const pid = this.pid('kafka', node);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }

  /**
   * Starts one stopped Kafka node again from the launcher scripts/stack left in its dir (scripts/stack up
   * would start every stopped node). Returns once its port accepts connections; whether it rejoined the
   * cluster is for the caller to check (cluster metadata, ISR).
   */
  async startKafkaNode(node: number, timeoutMs = 90_000): Promise<void> {
    const dir = this.kafkaDir(node);
    // detached: a session of its own (setsid), like scripts/stack; run.sh appends to the node's kafka.log.
    const child = spawn('bash', [join(dir, 'run.sh')], { cwd: dir, detached: true, stdio: 'ignore' });
    child.unref();
    const port = this.o.kafkaPort + 2 * (node - 1);
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!(await canBind(port))) return;
      await sleep(200);
    }
    throw new Error(`kafka node ${node} did not open ${this.broker(node)} within ${timeoutMs} ms`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
