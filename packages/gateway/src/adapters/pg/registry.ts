// Optional credential registry in Postgres:
//   gateway_devices(tenant, device_id, secret_hash, enabled)   -- one row per device
//   gateway_partners(tenant, username, secret_hash)           -- partner accounts (username without "partner:")
// secret_hash is produced by hashSecret() (scrypt). Rows are cached with a TTL; successful
// verifications are cached too (keyed by a SHA-256 of the presented secret) so reconnect storms don't
// each pay for scrypt.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Principal } from '../../core/acl.js';
import { verifySecret } from '../../core/secret-hash.js';
import { TtlLru } from '../../core/ttl-cache.js';

export interface RegistryOptions {
  databaseUrl: string;
  /** Postgres schema holding the tables (created if missing when `migrate`). */
  schema?: string;
  migrate?: boolean;
  cacheTtlMs?: number;
}

const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;

interface Row {
  tenant: string;
  secret_hash: string;
  enabled: boolean;
}

export function registryDdl(schema: string): string {
  if (!IDENT_RE.test(schema)) throw new TypeError(`bad schema name ${JSON.stringify(schema)}`);
  return `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.gateway_devices (
  tenant text NOT NULL,
  device_id text NOT NULL,
  secret_hash text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, device_id)
);
CREATE INDEX IF NOT EXISTS gateway_devices_device_id ON ${schema}.gateway_devices (device_id);
CREATE TABLE IF NOT EXISTS ${schema}.gateway_partners (
  tenant text NOT NULL,
  username text NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, username)
);`;
}

export class PgRegistry {
  readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly rows: TtlLru<Row[]>;
  private readonly verified: TtlLru<Principal>;

  constructor(private readonly o: RegistryOptions) {
    this.schema = o.schema ?? 'public';
    if (!IDENT_RE.test(this.schema)) throw new TypeError(`bad registry schema name ${JSON.stringify(this.schema)}`);
    this.pool = new pg.Pool({ connectionString: o.databaseUrl, max: 4, connectionTimeoutMillis: 3000 });
    this.pool.on('error', () => undefined); // idle client errors: the next query reports
    const ttl = o.cacheTtlMs ?? 30_000;
    this.rows = new TtlLru(50_000, ttl);
    this.verified = new TtlLru(50_000, ttl);
  }

  async start(): Promise<void> {
    if (this.o.migrate ?? true) await this.pool.query(registryDdl(this.schema));
  }

  private async load(kind: 'device' | 'partner', name: string): Promise<Row[]> {
    const key = `${kind}\u0000${name}`;
    const hit = this.rows.get(key, Date.now());
    if (hit) return hit;
    const sql =
      kind === 'device'
        ? `SELECT tenant, secret_hash, enabled FROM ${this.schema}.gateway_devices WHERE device_id = $1 LIMIT 8`
        : `SELECT tenant, secret_hash, true AS enabled FROM ${this.schema}.gateway_partners WHERE username = $1 LIMIT 8`;
    const res = await this.pool.query<Row>(sql, [name]);
    this.rows.set(key, res.rows, Date.now());
    return res.rows;
  }

  /**
   * Checks a device id / partner name and secret. Returns the principal, or null when unknown,
   * disabled or wrong. Throws only when Postgres is unreachable.
   */
  async verify(kind: 'device' | 'partner', name: string, secret: string): Promise<Principal | null> {
    const vkey = createHash('sha256').update(`${kind}\u0000${name}\u0000${secret}`).digest('base64');
    const cached = this.verified.get(vkey, Date.now());
    if (cached) return cached;
    // Ids are chosen per tenant and collide: the same id may have a row in several tenants. The secret decides
    // which account this is; a secret that opens the id in more than one tenant names no tenant and is refused.
    let match: Row | null = null;
    for (const row of await this.load(kind, name)) {
      if (!row.enabled || !(await verifySecret(secret, row.secret_hash))) continue;
      if (match) return null;
      match = row;
    }
    if (!match) return null;
    const p: Principal = kind === 'device' ? { kind, tenant: match.tenant, deviceId: name } : { kind, tenant: match.tenant, name };
    this.verified.set(vkey, p, Date.now());
    return p;
  }

  /**
   * One query per kind, uncached: whether each device is still enabled / each partner still exists. When one
   * is not, the verification cache is dropped too, so the revoked account can't log straight back in from it.
   * Throws when Postgres is unreachable (the caller keeps the sessions).
   */
  async stillValid(principals: readonly Principal[]): Promise<boolean[]> {
    const nameOf = (p: Principal) => (p.kind === 'device' ? p.deviceId : p.name);
    const key = (kind: Principal['kind'], tenant: string, name: string) => `${kind}\u0000${tenant}\u0000${name}`;
    const valid = new Set<string>();
    const tables = [
      {
        kind: 'device',
        sql: `SELECT d.tenant, d.device_id AS name FROM ${this.schema}.gateway_devices d JOIN unnest($1::text[], $2::text[]) AS k(tenant, name) ON d.tenant = k.tenant AND d.device_id = k.name WHERE d.enabled`,
      },
      {
        kind: 'partner',
        sql: `SELECT p.tenant, p.username AS name FROM ${this.schema}.gateway_partners p JOIN unnest($1::text[], $2::text[]) AS k(tenant, name) ON p.tenant = k.tenant AND p.username = k.name`,
      },
    ] as const;
    for (const { kind, sql } of tables) {
      const these = principals.filter((p) => p.kind === kind);
      if (these.length === 0) continue;
      const res = await this.pool.query<{ tenant: string; name: string }>(sql, [these.map((p) => p.tenant), these.map(nameOf)]);
      for (const r of res.rows) valid.add(key(kind, r.tenant, r.name));
    }
    const out = principals.map((p) => valid.has(key(p.kind, p.tenant, nameOf(p))));
    if (out.includes(false)) {
      this.rows.clear();
      this.verified.clear();
    }
    return out;
  }

  async addDevice(tenant: string, deviceId: string, secretHash: string, enabled = true): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.gateway_devices (tenant, device_id, secret_hash, enabled) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, device_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, enabled = EXCLUDED.enabled`,
      [tenant, deviceId, secretHash, enabled],
    );
  }

  async addPartner(tenant: string, username: string, secretHash: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.gateway_partners (tenant, username, secret_hash) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, username) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
      [tenant, username, secretHash],
    );
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
