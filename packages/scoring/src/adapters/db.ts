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

/**
 * What a failed database call means for the record being written:
 * - `transient`: nothing about the record; the server is away, overloaded, out of disk, or the schema or
 *   privileges are broken (a deployment problem). Pause, retry, commit nothing: no record is given up for it.
 * - `missing_partition`: a time-series row fell outside the partitions created so far; create them, retry.
 * - `rejected`: the database refused these rows (data exception, constraint, or an error raised outside
 *   Postgres while computing them). Retrying the same record gives the same answer.
 */
export type DbErrorKind = 'transient' | 'missing_partition' | 'rejected';

// SQLSTATE classes that say nothing about the record: 08 connection, 53 insufficient resources (disk full,
// out of memory, too many connections), 57 operator intervention (shutdown, statement timeout), 58 system
// error (I/O), 42 syntax/undefined object/privilege (a broken deployment, not a bad row), XX internal,
// F0 configuration, 55 object not in prerequisite state (lock not available).
const TRANSIENT_CLASSES = new Set(['08', '53', '57', '58', '42', 'XX', 'F0', '55']);
// Class 40: serialization failure and deadlock are retried; the rest of class 40 too.
const TRANSIENT_CODES = new Set(['40000', '40001', '40002', '40003', '40P01']);
const NET = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|ENETUNREACH)$/;
const NET_MESSAGE =
  /Connection terminated|connection timeout|terminating connection|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i;

export function classifyDbError(e: unknown): DbErrorKind {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err !== 'object') return 'rejected';
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  if (code === '23514' && /no partition of relation/i.test(message)) return 'missing_partition';
  if (NET.test(code) || NET_MESSAGE.test(message)) return 'transient';
  if (/^[0-9A-Z]{5}$/.test(code) && (TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2)))) return 'transient';
  return 'rejected';
}

/** Postgres unreachable or not usable right now: retry later without giving up any record. */
export function isTransientDbError(e: unknown): boolean {
  return classifyDbError(e) === 'transient';
}

/** ms epoch -> SQL literal-free parameter: callers use to_timestamp($n / 1000.0). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
