// The Postgres backend of a transaction in progress is terminated (as when the server goes down or an
// admin kills it): the transaction must reject, the process must not crash (pg emits 'error' on a
// checked-out client, uncaught without a listener: seen in the chaos suite), and the pool must work after.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';
import { stackEnv } from './int-helpers.js';

const env = stackEnv();
let db: PgDb | undefined;
const admin = new pg.Client({ connectionString: env.databaseUrl });
afterAll(async () => {
  await db?.close();
  await admin.end().catch(() => undefined);
});

describe('PgDb transaction whose backend is killed', () => {
  it('rejects, does not crash the process, and the next transaction works', async () => {
    db = await createPgDb(env.databaseUrl);
    await admin.connect();
    const uncaught: Error[] = [];
    const onUncaught = (e: Error) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      let pid = 0;
      const tx = db.transaction(async (q) => {
        pid = (await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        await q.query('SELECT pg_sleep(10)');
      });
      const t0 = Date.now();
      while (pid === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      expect(pid).toBeGreaterThan(0);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(tx).rejects.toThrow(/terminat/i);
      await new Promise((r) => setTimeout(r, 200)); // let a late 'error' event surface
      expect(uncaught).toEqual([]);
      const r = await db.transaction(async (q) => (await q.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one);
      expect(r).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  }, 30_000);
});
