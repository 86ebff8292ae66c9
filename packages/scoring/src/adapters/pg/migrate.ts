// Versioned SQL migrations: migrations/NNN_name.sql applied in order, once, under an advisory lock.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetwireError } from '@fleetwire/runtime';
import type { Db } from '../db.js';
import { packageDir } from '../paths.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends FleetwireError<'bad_file_name' | 'duplicate_version' | 'checksum_mismatch' | 'failed'> {
  override readonly name = 'MigrationError';
}

const FILE_RE = /^(\d{3})_([a-z0-9_]+)\.sql$/;
/** Advisory lock key: serializes concurrent migrators (several scorers starting together). */
const LOCK_KEY = 0x66770001;

export function readMigrations(dir: string = packageDir('migrations')): Migration[] {
  const out: Migration[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.sql')) continue;
    const m = FILE_RE.exec(f);
    if (!m) throw new MigrationError('bad_file_name', `migration file "${f}" must be named NNN_name.sql`);
    const sql = readFileSync(join(dir, f), 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new MigrationError('duplicate_version', `two migrations with version ${version}`);
    out.push({ version, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

export interface MigrateResult {
  applied: { version: number; name: string }[];
  current: number;
}

/** Applies pending migrations in one transaction. Refuses when an applied file was edited afterwards. */
export async function migrate(db: Db, migrations: Migration[] = readMigrations()): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    const applied: MigrateResult['applied'] = [];
    for (const m of migrations) {
      const prev = done.get(m.version);
      if (prev) {
        if (prev.checksum !== m.checksum) {
          throw new MigrationError(
            'checksum_mismatch',
            `migration ${m.version}_${m.name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.exec(m.sql);
      } catch (e) {
        throw new MigrationError('failed', `migration ${m.version}_${m.name} failed: ${(e as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      applied.push({ version: m.version, name: m.name });
    }
    const current = Math.max(0, ...migrations.map((m) => m.version).filter((v) => done.has(v) || applied.some((a) => a.version === v)));
    return { applied, current };
  });
}
