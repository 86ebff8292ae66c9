import pg from 'pg';
import type { Db, Queryable } from '../db.js';

export interface PgDbOptions {
  /** Postgres schema for every table (created if missing); default "public". Tests use one per file. */
  schema?: string;
  max?: number;
  connectionTimeoutMillis?: number;
  /** Statement timeout (ms) so a hung server does not hang a batch forever. Default 30 s. */
  statementTimeoutMs?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgDb implements Db {
  readonly pool: pg.Pool;
  constructor(
    readonly url: string,
    readonly schema: string,
    opts: PgDbOptions,
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 4,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5_000,
      options: `-c search_path=${schema} -c statement_timeout=${opts.statementTimeoutMs ?? 30_000}`,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const r = await this.pool.query(sql, params as unknown[]);
    return { rows: r.rows as T[] };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // While checked out, a client is not covered by the pool's 'error' listener: the server going away
    // mid-transaction emits 'error' on the client itself, which without a listener is an uncaught
    // exception that kills the process (seen in the chaos suite's Postgres outage). The failing query
    // rejects as well, so here it only marks the client as broken.
    const onError = (e: Error) => {
      broken ??= e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params as unknown[])).rows as R[] }),
        exec: async (sql: string) => {
          await client.query(sql);
        },
      };
      const res = await fn(tx);
      await client.query('COMMIT');
      return res;
    } catch (e) {
      broken = e as Error;
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connects to Postgres; creates the schema when it does not exist. */
export async function createPgDb(url: string, opts: PgDbOptions = {}): Promise<PgDb> {
  const schema = opts.schema ?? 'public';
  if (!SCHEMA_RE.test(schema)) throw new Error(`schema "${schema}" must match ${SCHEMA_RE}`);
  const db = new PgDb(url, schema, opts);
  if (schema !== 'public') await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return db;
}
