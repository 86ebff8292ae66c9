/**
 * The SQL surface the scorer needs. Implemented by node-postgres (adapters/pg) and by PGlite
 * (adapters/pglite) so the embedded demo runs the same SQL and migrations.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** BEGIN; fn(tx); COMMIT — ROLLBACK and rethrow when fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres error codes that mean "the database is unreachable right now": retry later. */
const TRANSIENT = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300', '40001', '40P01']);

export function isTransientDbError(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | null;
  if (!err) return false;
  if (err.code && (TRANSIENT.has(err.code) || /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(err.code))) return true;
  return /Connection terminated|connection timeout|terminating connection|Client has encountered a connection error|not queryable/i.test(err.message ?? '');
}

/** ms epoch -> SQL literal-free parameter: callers use to_timestamp($n / 1000.0). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
