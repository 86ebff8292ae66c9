// A private Kafka/Postgres/Redis stack (scripts/stack with its own state dir and ports) for tests that
// stop servers. Single servers are paused, stopped and restarted from here through the pid files in the
// state dir; `scripts/stack up` is idempotent, so it restarts exactly the servers that are down.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sleep, type StackEnv } from './env.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface PrivateStackOptions {
  dir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  pgPort: number;
  redisPort: number;
}

export const CHAOS_STACK: PrivateStackOptions = { dir: '/tmp/fw-chaos-stack', kafkaPort: 29092, kafkaControllerPort: 29093, pgPort: 25432, redisPort: 26379 };

export type Server = 'kafka' | 'postgres' | 'redis';

export class PrivateStack {
  constructor(readonly o: PrivateStackOptions = CHAOS_STACK) {}

  get env(): StackEnv {
    return {
      brokers: [`127.0.0.1:${this.o.kafkaPort}`],
      databaseUrl: `postgres://postgres@127.0.0.1:${this.o.pgPort}/fleetwire`,
      redisUrl: `redis://127.0.0.1:${this.o.redisPort}`,
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
    };
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

  down(): Promise<string> {
    return this.stack('down');
  }

  pid(server: Server): number {
    const file =
      server === 'kafka' ? join(this.o.dir, 'kafka/kafka.pid') : server === 'redis' ? join(this.o.dir, 'redis/redis.pid') : join(this.o.dir, 'pg/data/postmaster.pid');
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
  async stop(server: Server, timeoutMs = 30_000): Promise<void> {
    const pid = this.pid(server);
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
}
