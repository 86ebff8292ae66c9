// Monthly range partitions of the time-series tables: create ahead, list, and retire past retention
// (detach + drop, or export to CSV then detach + drop).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Queryable } from '../db.js';

/** Partitioned tables and their partition key column. */
export const PARTITIONED = Object.freeze({ trips: 'start_time', safety_events: 'time', risk_scores: 'time', batch_summaries: 'time' });
export type PartitionedTable = keyof typeof PARTITIONED;

export interface PartitionInfo {
  table: PartitionedTable;
  name: string;
  /** First day of the month (UTC), epoch ms, and the first day of the next month. */
  fromMs: number;
  toMs: number;
}

/** Month index = year*12 + month (0-based), UTC. */
export const monthOf = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
const monthStart = (m: number): number => Date.UTC(Math.floor(m / 12), m % 12, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '+00');
const suffix = (m: number): string => `${Math.floor(m / 12)}${String((m % 12) + 1).padStart(2, '0')}`;
export const partitionName = (table: PartitionedTable, m: number): string => `${table}_p${suffix(m)}`;

export class PartitionManager {
  /** Months already known to exist (per process), so the hot path skips DDL. */
  private readonly known = new Set<number>();

  constructor(private readonly db: Db) {}

  /** The months of these times (ms) this process has not ensured yet (the hot path's check before writing). */
  unknownMonths(timesMs: Iterable<number>): number[] {
    const out = new Set<number>();
    for (const t of timesMs) if (Number.isFinite(t) && !this.known.has(monthOf(t))) out.add(monthOf(t));
    return [...out];
  }

  /** Ensures every partitioned table has partitions for the months touched by these times (ms). */
  async ensureFor(timesMs: Iterable<number>): Promise<number> {
    const months = new Set<number>();
    for (const t of timesMs) if (Number.isFinite(t)) months.add(monthOf(t));
    let created = 0;
    for (const m of months) {
      if (this.known.has(m)) continue;
      created += await this.createMonth(m);
      this.known.add(m);
    }
    return created;
  }

  /** Creates partitions from the current month to `monthsAhead` months after it. */
  async createAhead(nowMs: number, monthsAhead = 2): Promise<number> {
    const m0 = monthOf(nowMs);
    const times: number[] = [];
    for (let m = m0; m <= m0 + monthsAhead; m++) times.push(monthStart(m));
    return this.ensureFor(times);
  }

  private async createMonth(m: number): Promise<number> {
    let created = 0;
    for (const table of Object.keys(PARTITIONED) as PartitionedTable[]) {
      const name = partitionName(table, m);
      const exists = await this.db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [name]);
      if (exists.rows[0]?.r) continue;
      try {
        await this.db.exec(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM ('${iso(monthStart(m))}') TO ('${iso(monthStart(m + 1))}')`,
        );
        created++;
      } catch (e) {
        // Another scorer created it at the same moment: fine if it exists now.
        const again = await this.db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [name]);
        if (!again.rows[0]?.r) throw e;
      }
    }
    return created;
  }

  async list(q: Queryable = this.db): Promise<PartitionInfo[]> {
    const { rows } = await q.query<{ parent: string; child: string }>(
      `SELECT p.relname AS parent, c.relname AS child
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = current_schema() AND p.relname = ANY($1)
        ORDER BY p.relname, c.relname`,
      [Object.keys(PARTITIONED)],
    );
    const out: PartitionInfo[] = [];
    for (const r of rows) {
      const m = /_p(\d{4})(\d{2})$/.exec(r.child);
      if (!m) continue;
      const month = Number(m[1]) * 12 + Number(m[2]) - 1;
      out.push({ table: r.parent as PartitionedTable, name: r.child, fromMs: monthStart(month), toMs: monthStart(month + 1) });
    }
    return out;
  }

  /**
   * Retires partitions whose whole month ends at or before the start of the month `retentionMonths`
   * before now. With exportDir, each partition is first written to <exportDir>/<name>.csv.
   */
  async retire(opts: {
    nowMs: number;
    retentionMonths: number;
    exportDir?: string;
    dryRun?: boolean;
    keepKeys?: boolean;
  }): Promise<{ retired: PartitionInfo[]; exported: string[]; keysPruned: number }> {
    const cutoff = monthStart(monthOf(opts.nowMs) - opts.retentionMonths);
    const old = (await this.list()).filter((p) => p.toMs <= cutoff);
    const exported: string[] = [];
    if (opts.dryRun) return { retired: old, exported, keysPruned: 0 };
    // Idempotency keys older than the retention go too (a replay that old is out of scope).
    let keysPruned = 0;
    if (!opts.keepKeys) {
      const r = await this.db.query<{ n: number }>(
        'WITH d AS (DELETE FROM processed_batches WHERE processed_at < to_timestamp($1 / 1000.0) RETURNING 1) SELECT count(*)::int AS n FROM d',
        [cutoff],
      );
      keysPruned = Number(r.rows[0]?.n ?? 0);
    }
    for (const p of old) {
      if (opts.exportDir) exported.push(await this.exportCsv(p, opts.exportDir));
      await this.db.exec(`ALTER TABLE ${p.table} DETACH PARTITION ${p.name}`);
      await this.db.exec(`DROP TABLE ${p.name}`);
      this.known.delete(monthOf(p.fromMs));
    }
    return { retired: old, exported, keysPruned };
  }

  private async exportCsv(p: PartitionInfo, dir: string): Promise<string> {
    mkdirSync(dir, { recursive: true });
    const { rows } = await this.db.query<Record<string, unknown>>(`SELECT * FROM ${p.name}`);
    const cols = rows.length > 0 ? Object.keys(rows[0]!) : [];
    const cell = (v: unknown): string => {
      if (v === null || v === undefined) return '';
      const s = v instanceof Date ? v.toISOString() : Array.isArray(v) ? `{${v.join(',')}}` : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))];
    const file = join(dir, `${p.name}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }
}
