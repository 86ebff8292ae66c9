import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable } from '../db.js';

/** PGlite (embedded Postgres in WASM) behind the same Db interface; used by the `npm start` demo. */
export class PgliteDb implements Db {
  constructor(readonly pg: PGlite) {}

  async query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    const r = await this.pg.query<T>(sql, params);
    return { rows: r.rows };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await t.query<R>(sql, params)).rows }),
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.pg.close();
  }
}

/** dataDir: a directory for persistence, or undefined for in-memory. */
export async function createPgliteDb(dataDir?: string): Promise<PgliteDb> {
  const pg = dataDir ? new PGlite(dataDir) : new PGlite();
  await pg.waitReady;
  return new PgliteDb(pg);
}
