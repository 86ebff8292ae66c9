// Integration-test helpers: a private throwaway Postgres; env, unique names, bounded polling and free
// ports come from @fleetwire/test-kit (re-exported here for the tests that import them from this file).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stackEnv, uniq } from '@fleetwire/test-kit';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';

export { freePort, stackEnv, uniq, until, type StackEnv } from '@fleetwire/test-kit';

/** A handle on a schema of its own (named from `prefix`, made unique) in the stack's database, for one test file. */
export const schemaDb = (prefix: string): Promise<PgDb> => createPgDb(stackEnv().databaseUrl, { schema: uniq(prefix).replace(/[^a-z0-9_]/g, '') });

/** Drops a test's schema and closes its handle; a no-op when the setup failed before the handle existed. */
export async function dropSchemaDb(db: PgDb | undefined): Promise<void> {
  await db?.exec(`DROP SCHEMA ${db.schema} CASCADE`).catch(() => undefined);
  await db?.close();
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
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=20`,
      'start',
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
