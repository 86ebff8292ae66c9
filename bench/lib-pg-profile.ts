// Profiling aids for the scorer bench: time per SQL statement (by the table it touches), round trips per
// transaction, and the CPU of the Postgres server's processes (Linux /proc).
import { readdirSync, readFileSync } from 'node:fs';
import type { Db, Queryable } from '@fleetwire/scoring';
import { pidCpuUs, pidListeningOn } from './lib-cpu.js';

export interface StatementStats {
  /** label -> { calls, ms } */
  byStatement: Map<string, { calls: number; ms: number; rows: number }>;
  transactions: number;
  roundTrips: number;
  /** Wall time inside transaction callbacks + BEGIN/COMMIT. */
  txMs: number;
}

/** "INSERT device_state", "SELECT processed_batches", ... from the SQL text. */
export function statementLabel(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
  const m = verb === 'INSERT' ? /INSERT INTO\s+(\w+)/i.exec(sql) : verb === 'UPDATE' ? /UPDATE\s+(\w+)/i.exec(sql) : /FROM\s+(\w+)/i.exec(sql);
  return `${verb} ${m?.[1] ?? ''}`.trim();
}

/** A Db whose transactions time each statement. Calls outside transactions are counted too. */
export function instrument(db: Db): { db: Db; stats: StatementStats } {
  const stats: StatementStats = { byStatement: new Map(), transactions: 0, roundTrips: 0, txMs: 0 };
  const note = (sql: string, ms: number, rows: number) => {
    const k = statementLabel(sql);
    const s = stats.byStatement.get(k) ?? { calls: 0, ms: 0, rows: 0 };
    s.calls++;
    s.ms += ms;
    s.rows += rows;
    stats.byStatement.set(k, s);
  };
  const timed = (q: Queryable): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => {
      const t0 = performance.now();
      const r = await q.query<T>(sql, params);
      stats.roundTrips++;
      note(sql, performance.now() - t0, r.rows.length);
      return r;
    },
    exec: (sql: string) => q.exec(sql),
  });
  const wrapped: Db = {
    query: (sql, params) => timed(db).query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: async (fn) => {
      const t0 = performance.now();
      try {
        return await db.transaction((tx) => fn(timed(tx)));
      } finally {
        stats.transactions++;
        stats.roundTrips += 2; // BEGIN, COMMIT
        stats.txMs += performance.now() - t0;
      }
    },
    close: () => db.close(),
  };
  return { db: wrapped, stats };
}

/** CPU (µs) of the Postgres server listening on the port of `url` and all its children (backends, WAL writer, ...). */
export function postgresCpu(url: string): (() => number | undefined) | undefined {
  const port = Number(/:(\d+)\//.exec(url)?.[1]);
  const master = port ? pidListeningOn(port) : undefined;
  if (!master) return undefined;
  const children = (): number[] => {
    const out: number[] = [master];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const f = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === master) out.push(Number(d));
      } catch {
        /* gone */
      }
    }
    return out;
  };
  // Backends come and go: remember the last reading of each so a backend that exits keeps its share.
  const seen = new Map<number, number>();
  const read = () => {
    for (const p of children()) {
      const v = pidCpuUs(p);
      if (v !== undefined) seen.set(p, v);
    }
    return [...seen.values()].reduce((a, b) => a + b, 0);
  };
  const base = read();
  return () => read() - base;
}
