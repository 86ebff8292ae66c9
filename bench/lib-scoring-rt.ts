// Pieces of the scoring-realtime bench: the fleet's records, one scorer run, and the two baselines the
// scorer is compared with in the same run: kafkajs consuming the same records (nothing else), and a raw
// Postgres ingest of exactly the rows the scorer wrote (same tables and indexes, no logic).
import { encodeDeviceBatch, encodeTelemetryRecord, identityKey } from '@fleetwire/proto';
import {
  commutePhases,
  createPgDb,
  type Db,
  KafkaSource,
  migrate,
  type PgDb,
  type RecordSource,
  type SourceBatch,
  simulateDrive,
  type TelemetryInput,
} from '@fleetwire/scoring';
import type { Kafka } from 'kafkajs';

const delta = (a: ArrayLike<number>): number[] => Array.from(a, (v, i) => (i === 0 ? v : v - a[i - 1]!));

/** A TelemetryRecord as the gateway writes it to Kafka (key "<tenant>/<device>"). */
export function recordBytes(tenant: string, b: TelemetryInput): Buffer {
  const g = b.gps;
  const a = b.accel!;
  const raw = encodeDeviceBatch({
    deviceId: b.deviceId,
    bootId: b.bootId,
    seq: b.seq,
    gps: {
      baseTimeMs: g.t[0]!,
      tDeltaMs: delta(g.t).map((v, i) => (i === 0 ? 0 : v)),
      latDeltaE7: delta(g.latE7),
      lonDeltaE7: delta(g.lonE7),
      speedCms: Array.from(g.speedCms),
      headingCdeg: Array.from(g.headingCdeg),
    },
    accel: {
      baseTimeMs: a.t[0]!,
      rateHz: 10,
      tDeltaMs: delta(a.t).map((v, i) => (i === 0 ? 0 : v)),
      xDeltaMg: delta(a.xMg),
      yDeltaMg: delta(a.yMg),
      zDeltaMg: delta(a.zMg),
    },
  });
  return Buffer.from(encodeTelemetryRecord({ tenant, deviceId: b.deviceId, receivedAtMs: g.t[0]! }, raw));
}

export interface Fleet {
  records: { key: string; value: Buffer }[];
  gpsSamples: number;
  bytes: number;
}

/**
 * In which order the records go to the log: 'device' = all of one device's records, then the next device's (the
 * bench's figures since #19 began: a Kafka batch then holds long runs of one device, so one state load and save
 * serves ~40 records); 'time' = round robin by batch index, as live traffic arrives (every device sends one
 * record per 30 s, so a Kafka batch holds ~one record per device and every record loads and saves its state).
 */
export type FleetOrder = 'device' | 'time';

/** The order asked for by BENCH_ORDER (default 'device'); anything else is an error. */
export function fleetOrderFromEnv(env: NodeJS.ProcessEnv = process.env): FleetOrder {
  const o = env.BENCH_ORDER ?? 'device';
  if (o !== 'device' && o !== 'time') throw new Error(`BENCH_ORDER=${o}: must be device or time`);
  return o;
}

/** devices x perDevice 30 s batches (1 Hz GPS, 10 Hz accel), spread over 3 tenants; commutes with harsh events and speeding. */
export function makeFleet(devices: number, perDevice: number, t0: number, order: FleetOrder = 'device'): Fleet {
  const byDevice: Fleet['records'][] = [];
  let gpsSamples = 0;
  let bytes = 0;
  const cruiseS = Math.max(120, perDevice * 30 - 480);
  for (let d = 0; d < devices; d++) {
    const tenant = `bench${d % 3}`;
    const dev = `bd-${d}`;
    const drive = simulateDrive({ deviceId: dev, startMs: t0 + d * 1000, phases: commutePhases({ harsh: d % 3 === 0, speeding: d % 4 === 0, cruiseS }) }).slice(
      0,
      perDevice,
    );
    const mine: Fleet['records'] = [];
    for (const b of drive) {
      const value = recordBytes(tenant, b);
      mine.push({ key: identityKey(tenant, dev), value });
      gpsSamples += b.gps.t.length;
      bytes += value.length;
    }
    byDevice.push(mine);
  }
  const records: Fleet['records'] = [];
  if (order === 'device') for (const mine of byDevice) records.push(...mine);
  else for (let k = 0; k < perDevice; k++) for (const mine of byDevice) if (k < mine.length) records.push(mine[k]!);
  return { records, gpsSamples, bytes };
}

/** Wraps a source so the bench sees every batch whose handler resolved (i.e. committed to Postgres). */
export function countingSource(inner: RecordSource, onDone: (n: number) => void): RecordSource {
  return {
    start: (handler) =>
      inner.start(async (batch: SourceBatch, ctl) => {
        await handler(batch, ctl);
        onDone(batch.messages.length);
      }),
    stop: () => inner.stop(),
    healthy: () => inner.healthy?.() ?? true,
  };
}

/** Resolves when `total` have been counted (or rejects after ms). */
export function counter(total: number, ms: number): { add(n: number): void; done: Promise<number> } {
  let seen = 0;
  let resolve: (t: number) => void = () => undefined;
  const t0 = performance.now();
  const done = new Promise<number>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`only ${seen}/${total} in ${ms} ms`)), ms).unref();
  });
  return {
    add(n) {
      seen += n;
      if (seen >= total) resolve(performance.now() - t0);
    },
    done,
  };
}

/** Baseline (a): kafkajs consume-only of the same topic, new group, offsets committed per batch as the scorer does. Records/s. */
export async function consumeOnly(kafka: Kafka, topic: string, total: number, group: string): Promise<number> {
  const src = new KafkaSource(kafka, { topic, groupId: group });
  const c = counter(total, 5 * 60_000);
  const t0 = performance.now();
  await src.start(async (b) => c.add(b.messages.length));
  await c.done;
  const secs = (performance.now() - t0) / 1000;
  await src.stop();
  return total / secs;
}

// Tables the scorer writes, in the order it writes them. device_state is upserted; the rest are inserts.
const TABLES = ['processed_batches', 'batch_summaries', 'trips', 'safety_events', 'risk_scores', 'device_state'] as const;

async function columns(db: Db, schema: string, table: string): Promise<{ name: string; type: string }[]> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`${schema}.${table}`],
  );
  return rows;
}

export interface RawIngest {
  recordsPerSec: number;
  transactions: number;
  rows: Record<string, number>;
}

/**
 * Baseline (b): the rows the scorer wrote (read back from its schema), written again into a fresh schema
 * with the same migrations (same tables, partitions, indexes), one transaction per scorer transaction
 * (processed_batches.processed_at is the transaction's now(), so the scorer's transactions are known
 * exactly), each table one `INSERT ... SELECT FROM unnest(...)` (device_state: the same upsert on its
 * key, one row per device of the transaction), plus one outbox row per transaction that wrote trips or
 * events. Nothing else: no lookups, no locks, no ON CONFLICT on the insert-only tables.
 */
export async function rawIngest(url: string, from: string, to: string, partitionsOf: (db: Db) => Promise<void>): Promise<RawIngest> {
  const src = await createPgDb(url, { schema: from });
  const dst: PgDb = await createPgDb(url, { schema: to });
  try {
    await migrate(dst);
    await partitionsOf(dst);
    // Every row as text, ready for unnest($n::text[]) and a cast to its column type.
    const data: Record<string, { cols: { name: string; type: string }[]; rows: string[][] }> = {};
    for (const t of TABLES) {
      const cols = await columns(src, from, t);
      const { rows } = await src.query<{ r: string[] }>(`SELECT ARRAY[${cols.map((c) => `${c.name}::text`).join(',')}] AS r FROM ${t}`);
      data[t] = { cols, rows: rows.map((r) => r.r) };
    }
    // The scorer's transactions: keys grouped by processed_at.
    const { rows: txs } = await src.query<{ keys: string[] }>(
      `SELECT array_agg(tenant || '/' || device_id || '/' || boot_id || '/' || seq) AS keys FROM processed_batches GROUP BY processed_at ORDER BY processed_at`,
    );
    const txOf = new Map<string, number>();
    txs.forEach((t, i) => t.keys.forEach((k) => txOf.set(k, i)));
    const keyOf = (r: string[], c: { name: string }[]) => {
      const at = (n: string) => r[c.findIndex((x) => x.name === n)]!;
      return `${at('tenant')}/${at('device_id')}/${at('boot_id')}/${at('seq')}`;
    };
    const per: Record<string, string[][]>[] = txs.map(() => Object.fromEntries(TABLES.map((t) => [t, [] as string[][]])));
    for (const t of ['processed_batches', 'batch_summaries'] as const) for (const r of data[t]!.rows) per[txOf.get(keyOf(r, data[t]!.cols)) ?? 0]![t]!.push(r);
    // trips, events, scores: no transaction is recorded with them; spread them evenly over the transactions.
    for (const t of ['trips', 'safety_events', 'risk_scores'] as const)
      data[t]!.rows.forEach((r, i) => per[Math.floor((i * txs.length) / data[t]!.rows.length)]![t]!.push(r));
    // device_state: one row per device of each transaction (the final state's bytes; same size class).
    const stCols = data.device_state!.cols;
    const stateOf = new Map(
      data.device_state!.rows.map((r) => [`${r[stCols.findIndex((c) => c.name === 'tenant')]}/${r[stCols.findIndex((c) => c.name === 'device_id')]}`, r]),
    );
    const pc = data.processed_batches!.cols;
    const [pt, pd] = [pc.findIndex((c) => c.name === 'tenant'), pc.findIndex((c) => c.name === 'device_id')];
    for (const p of per) {
      const devs = new Set(p.processed_batches!.map((r) => `${r[pt]}/${r[pd]}`));
      p.device_state = [...devs].map((d) => stateOf.get(d)).filter((r): r is string[] => !!r);
    }
    const insertSql = (t: string, cols: { name: string; type: string }[]) => {
      const list = cols.map((c) => c.name).join(', ');
      const sel = cols.map((c, i) => `$${i + 1}::text[]`).join(', ');
      const casts = cols.map((c, i) => `c${i}::${c.type}`).join(', ');
      const upsert =
        t === 'device_state'
          ? ` ON CONFLICT (tenant, device_id) DO UPDATE SET state = EXCLUDED.state, trip_open = EXCLUDED.trip_open, last_t_ms = EXCLUDED.last_t_ms, updated_at = EXCLUDED.updated_at`
          : '';
      return `INSERT INTO ${t} (${list}) SELECT ${casts} FROM unnest(${sel}) AS x(${cols.map((_, i) => `c${i}`).join(', ')})${upsert}`;
    };
    const sqls = Object.fromEntries(TABLES.map((t) => [t, insertSql(t, data[t]!.cols)]));
    const t0 = performance.now();
    for (const p of per) {
      await dst.transaction(async (tx) => {
        for (const t of TABLES) {
          const rows = p[t]!;
          if (rows.length === 0) continue;
          await tx.query(
            sqls[t]!,
            data[t]!.cols.map((_, i) => rows.map((r) => r[i])),
          );
        }
        if (p.trips!.length + p.safety_events!.length > 0) {
          // The announcement: same order of size as the scorer's Emission JSON.
          await tx.query('INSERT INTO outbox (payload) VALUES ($1::jsonb)', [
            JSON.stringify({ trips: p.trips, scores: p.risk_scores, alerts: p.safety_events }),
          ]);
        }
      });
    }
    const secs = (performance.now() - t0) / 1000;
    const total = data.processed_batches!.rows.length;
    return { recordsPerSec: total / secs, transactions: per.length, rows: Object.fromEntries(TABLES.map((t) => [t, data[t]!.rows.length])) };
  } finally {
    await src.close();
    await dst.exec(`DROP SCHEMA ${to} CASCADE`).catch(() => undefined);
    await dst.close();
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const spread = (xs: number[], digits = 0): string =>
  `${xs.map((x) => x.toFixed(digits)).join(' / ')} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;
