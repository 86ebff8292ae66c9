// Integration-test helpers: env, unique names, bounded polling, free ports, a private throwaway Postgres.
// The root system tests (test/helpers/env.ts) use these too.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StackEnv {
  brokers: string[];
  databaseUrl: string;
  redisUrl: string;
}

export function stackEnv(): StackEnv {
  const brokers = process.env.FW_KAFKA_BROKERS;
  const databaseUrl = process.env.FW_DATABASE_URL;
  const redisUrl = process.env.FW_REDIS_URL;
  if (!brokers || !databaseUrl || !redisUrl) throw new Error('integration tests need FW_KAFKA_BROKERS, FW_DATABASE_URL, FW_REDIS_URL (eval "$(bash scripts/stack env)")');
  return { brokers: brokers.split(','), databaseUrl, redisUrl };
}

export const uniq = (p: string): string => `${p}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Polls fn until it returns a truthy value or ms pass (then throws naming `what` and the last error). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 30_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private Postgres (own data dir and port) for fault tests: it gets stopped and started. */
export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private static as(cmd: string, args: string[]): void {
    const root = process.getuid?.() === 0;
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  }

  static async create(): Promise<PrivatePostgres> {
    const base = '/usr/lib/postgresql';
    const ver = existsSync(base) ? readdirSync(base).sort().pop() : undefined;
    if (!ver) throw new Error('no /usr/lib/postgresql/<ver>/bin found');
    const bin = join(base, ver, 'bin');
    const dir = mkdtempSync(join(tmpdir(), 'fw-scoring-pg-'));
    chmodSync(dir, 0o777);
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
    const pg = new PrivatePostgres(bin, dir, await freePort());
    PrivatePostgres.as(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-locale', '-E', 'UTF8']);
    pg.start();
    return pg;
  }

  start(): void {
    PrivatePostgres.as(join(this.bin, 'pg_ctl'), [
      '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=20`, 'start',
    ]);
  }

  stop(): void {
    PrivatePostgres.as(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
