// SQL of the real-time path: load states, filter processed keys, write one Kafka batch's results.
// Every write is one batched statement (unnest of arrays) with ON CONFLICT DO NOTHING: replays are no-ops.
// Idempotency keys are claimed first (claimKeys: INSERT ... RETURNING), so only new records reach the core.
import type { BatchSummary, CompletedTrip, DetectedEvent, DeviceState } from '../../core/types.js';
import type { Emission, ScoreOut } from '../../realtime/emit.js';
import { batchKey, identityKey } from '@fleetwire/proto';
import type { Queryable } from '../db.js';

const EVENT_NAMES: Record<number, string> = { 1: 'harsh_braking', 2: 'harsh_acceleration', 3: 'harsh_cornering', 4: 'speeding', 7: 'crash', 8: 'phone_use' };

/** A device: (tenant, deviceId). Nothing in the scorer is looked up by a bare id. */
export interface DeviceRef {
  tenant: string;
  deviceId: string;
}
/** Map key of a device or driver: the one identity encoding, "<tenant>/<id>". */
export const deviceKey = (d: DeviceRef): string => identityKey(d.tenant, d.deviceId);

/** A persisted state from its row (text since schema v4; jsonb before, which pg returns parsed). */
export const parseState = (state: DeviceState | string, tenant: string): DeviceState => {
  const st = typeof state === 'string' ? (JSON.parse(state) as DeviceState) : state;
  st.tenant ??= tenant; // states persisted before schema v2
  return st;
};

/** A locked device state and the JSON it was stored as (to restore it from when the core throws). */
export interface LoadedState {
  state: DeviceState;
  json: string;
}

/** Row-locks and loads the states of these devices; keyed by deviceKey. */
export async function loadStatesForUpdate(tx: Queryable, devices: DeviceRef[]): Promise<Map<string, LoadedState>> {
  const uniq = [...new Map(devices.map((d) => [deviceKey(d), d])).values()];
  const { rows } = await tx.query<{ tenant: string; device_id: string; state: string }>(
    `SELECT s.tenant, s.device_id, s.state FROM device_state s JOIN unnest($1::text[], $2::text[]) AS k(t, d) ON s.tenant = k.t AND s.device_id = k.d
      ORDER BY s.tenant, s.device_id FOR UPDATE OF s`,
    [uniq.map((d) => d.tenant), uniq.map((d) => d.deviceId)],
  );
  return new Map(rows.map((r) => [identityKey(r.tenant, r.device_id), { state: parseState(r.state, r.tenant), json: r.state }]));
}

/** device -> driver (keyed by deviceKey; the driver is of the device's tenant). Unknown devices get a driver of the same id. */
export async function resolveDrivers(tx: Queryable, devices: DeviceRef[]): Promise<Map<string, string>> {
  const uniq = [...new Map(devices.map((d) => [deviceKey(d), d])).values()];
  const t = uniq.map((d) => d.tenant);
  const a = uniq.map((d) => d.deviceId);
  const sql = `SELECT d.tenant, d.device_id, d.driver_id FROM devices d JOIN unnest($1::text[], $2::text[]) AS k(t, d) ON d.tenant = k.t AND d.device_id = k.d`;
  const { rows } = await tx.query<{ tenant: string; device_id: string; driver_id: string }>(sql, [t, a]);
  const map = new Map(rows.map((r) => [identityKey(r.tenant, r.device_id), r.driver_id]));
  const missing = uniq.filter((d) => !map.has(deviceKey(d)));
  if (missing.length > 0) {
    const mt = missing.map((d) => d.tenant);
    const ma = missing.map((d) => d.deviceId);
    await tx.query('INSERT INTO drivers (tenant, driver_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [mt, ma]);
    await tx.query('INSERT INTO devices (tenant, device_id, driver_id) SELECT t, d, d FROM unnest($1::text[], $2::text[]) AS x(t, d) ON CONFLICT DO NOTHING', [
      mt,
      ma,
    ]);
    const again = await tx.query<{ tenant: string; device_id: string; driver_id: string }>(sql, [mt, ma]);
    for (const r of again.rows) map.set(identityKey(r.tenant, r.device_id), r.driver_id);
  }
  return map;
}

/** Idempotency key of a telemetry batch: (tenant, device_id, boot_id, seq). */
export interface BatchKey extends DeviceRef {
  bootId: string;
  seq: number;
}
export const keyString = (k: BatchKey): string => batchKey(k.tenant, k.deviceId, k.bootId, k.seq);

/**
 * Claims the idempotency keys of a batch: inserts them into processed_batches and returns those that were
 * new (keyString). A key already there, or twice in `keys`, is claimed once: the rest are duplicates. One
 * statement does the lookup and the insert (the unique index is probed once per key); it runs in the
 * batch's transaction, so a rollback un-claims everything.
 */
export async function claimKeys(tx: Queryable, keys: BatchKey[], source: string): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await tx.query<{ tenant: string; device_id: string; boot_id: string; seq: string | number }>(
    `INSERT INTO processed_batches (tenant, device_id, boot_id, seq, source)
       SELECT t, d, b, s, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS k(t, d, b, s)
       ON CONFLICT DO NOTHING RETURNING tenant, device_id, boot_id, seq`,
    [keys.map((k) => k.tenant), keys.map((k) => k.deviceId), keys.map((k) => k.bootId), keys.map((k) => k.seq), source],
  );
  return new Set(rows.map((r) => keyString({ tenant: r.tenant, deviceId: r.device_id, bootId: r.boot_id, seq: Number(r.seq) })));
}

const arr = (f: number[]): string => `{${f.join(',')}}`;

export interface BatchWrite {
  source: string;
  summaries: { s: BatchSummary; tenant: string; driverId: string }[];
  trips: { t: CompletedTrip; tenant: string; driverId: string; risk: number; score: number; modelVersion: string }[];
  events: { e: DetectedEvent; tenant: string; driverId: string }[];
  scores: ScoreOut[];
  states: DeviceState[];
  emission: Emission | null;
}

/** Writes everything but the idempotency keys (claimKeys); returns the outbox row id (or null when there is nothing to announce). */
export async function writeBatch(tx: Queryable, w: BatchWrite): Promise<string | null> {
  if (w.summaries.length > 0) {
    const s = w.summaries;
    await tx.query(
      `INSERT INTO batch_summaries (tenant, device_id, boot_id, seq, time, end_time, driver_id, gps_samples, accel_samples, distance_m, max_speed_ms, late_samples)
       SELECT ten, d, b, q, to_timestamp(t0 / 1000.0), to_timestamp(t1 / 1000.0), drv, g, a, dist, vmax, late
         FROM unnest($12::text[], $1::text[], $2::text[], $3::bigint[], $4::float8[], $5::float8[], $6::text[], $7::int[], $8::int[], $9::float8[], $10::float8[], $11::int[])
           AS x(ten, d, b, q, t0, t1, drv, g, a, dist, vmax, late)
       ON CONFLICT DO NOTHING`,
      [
        s.map((x) => x.s.deviceId),
        s.map((x) => x.s.bootId),
        s.map((x) => x.s.seq),
        s.map((x) => x.s.tStartMs),
        s.map((x) => x.s.tEndMs),
        s.map((x) => x.driverId),
        s.map((x) => x.s.gpsSamples),
        s.map((x) => x.s.accelSamples),
        s.map((x) => x.s.distanceM),
        s.map((x) => x.s.maxSpeedMs),
        s.map((x) => x.s.lateSamples),
        s.map((x) => x.tenant),
      ],
    );
  }
  if (w.trips.length > 0) {
    const t = w.trips;
    const m = (f: (x: (typeof t)[number]) => unknown) => t.map(f);
    await tx.query(
      `INSERT INTO trips (trip_id, start_time, end_time, tenant, device_id, driver_id, start_lat_e7, start_lon_e7, end_lat_e7, end_lon_e7,
         distance_m, duration_s, moving_s, sum_v_dt, sum_v2_dt, max_speed_ms, harsh_braking, harsh_acceleration, harsh_cornering,
         speeding_s, night_s, features, risk, score, model_version, phone_use_s, phone_use_events)
       SELECT id::uuid, to_timestamp(t0 / 1000.0), to_timestamp(t1 / 1000.0), ten, dev, drv, sla, slo, ela, elo, dist, dur, mov, svd, sv2,
              vmax, hb, ha, hc, spd, nig, f::float8[], risk, score, mv, pus, pue
         FROM unnest($1::text[], $2::float8[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[], $10::int[],
                     $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::int[], $18::int[], $19::int[],
                     $20::float8[], $21::float8[], $22::text[], $23::float8[], $24::float8[], $25::text[], $26::float8[], $27::int[])
           AS x(id, t0, t1, ten, dev, drv, sla, slo, ela, elo, dist, dur, mov, svd, sv2, vmax, hb, ha, hc, spd, nig, f, risk, score, mv, pus, pue)
       ON CONFLICT DO NOTHING`,
      [
        m((x) => x.t.tripId),
        m((x) => x.t.startMs),
        m((x) => x.t.endMs),
        m((x) => x.tenant),
        m((x) => x.t.deviceId),
        m((x) => x.driverId),
        m((x) => x.t.startLatE7),
        m((x) => x.t.startLonE7),
        m((x) => x.t.endLatE7),
        m((x) => x.t.endLonE7),
        m((x) => x.t.sums.distance_m),
        m((x) => x.t.sums.duration_s),
        m((x) => x.t.sums.moving_s),
        m((x) => x.t.sums.sum_v_dt),
        m((x) => x.t.sums.sum_v2_dt),
        m((x) => x.t.sums.max_speed_ms),
        m((x) => x.t.sums.harsh_braking),
        m((x) => x.t.sums.harsh_acceleration),
        m((x) => x.t.sums.harsh_cornering),
        m((x) => x.t.sums.speeding_s),
        m((x) => x.t.sums.night_s),
        m((x) => arr(x.t.features)),
        m((x) => x.risk),
        m((x) => x.score),
        m((x) => x.modelVersion),
        m((x) => x.t.sums.phone_use_s ?? 0),
        m((x) => x.t.sums.phone_use_events ?? 0), // migration 003_phone_signals
      ],
    );
  }
  if (w.events.length > 0) {
    const e = w.events;
    const m = (f: (x: (typeof e)[number]) => unknown) => e.map(f);
    await tx.query(
      `INSERT INTO safety_events (event_id, time, tenant, device_id, driver_id, trip_id, type, type_name, duration_ms, peak, lat_e7, lon_e7, speed_cms, severity)
       SELECT id::uuid, to_timestamp(t / 1000.0), ten, dev, drv, trip::uuid, ty, tn, dur, pk, la, lo, sp, sev
         FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::int[], $10::int[],
                     $11::int[], $12::int[], $13::int[], $14::text[]) AS x(id, t, ten, dev, drv, trip, ty, tn, dur, pk, la, lo, sp, sev)
       ON CONFLICT DO NOTHING`,
      [
        m((x) => x.e.eventId),
        m((x) => x.e.tMs),
        m((x) => x.tenant),
        m((x) => x.e.deviceId),
        m((x) => x.driverId),
        m((x) => x.e.tripId),
        m((x) => x.e.type),
        m((x) => EVENT_NAMES[x.e.type] ?? 'unknown'),
        m((x) => x.e.durationMs),
        m((x) => x.e.peak),
        m((x) => x.e.latE7),
        m((x) => x.e.lonE7),
        m((x) => x.e.speedCms),
        m((x) => x.e.severity),
      ],
    );
  }
  if (w.scores.length > 0) await insertScores(tx, w.scores, 'nothing');
  if (w.states.length > 0) {
    const st = w.states;
    await tx.query(
      `INSERT INTO device_state (tenant, device_id, state, trip_open, last_t_ms, updated_at)
       SELECT t, d, s, o, l, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::bigint[]) AS x(t, d, s, o, l)
       ON CONFLICT (tenant, device_id) DO UPDATE SET state = EXCLUDED.state, trip_open = EXCLUDED.trip_open, last_t_ms = EXCLUDED.last_t_ms, updated_at = clock_timestamp()`,
      [
        st.map((s) => s.tenant),
        st.map((s) => s.deviceId),
        st.map((s) => JSON.stringify(s)),
        st.map((s) => s.trip !== null),
        st.map((s) => (s.last ? s.last.t : null)),
      ],
    );
  }
  if (w.emission) {
    const { rows } = await tx.query<{ id: string | number }>('INSERT INTO outbox (payload) VALUES ($1::jsonb) RETURNING id', [JSON.stringify(w.emission)]);
    return String(rows[0]!.id);
  }
  return null;
}

/** Score history rows; 'update' replaces an existing (score_id, time) row (batch re-runs). */
export async function insertScores(tx: Queryable, s: ScoreOut[], onConflict: 'nothing' | 'update'): Promise<void> {
  const m = (f: (x: ScoreOut) => unknown) => s.map(f);
  const time = (x: ScoreOut) => (x.scope === 'trip' ? x.computedAtMs : x.periodEndMs);
  await tx.query(
    `INSERT INTO risk_scores (score_id, time, scope, tenant, driver_id, device_id, trip_id, period_start, period_end, risk, score, model_version, features, computed_at)
     SELECT id::uuid, to_timestamp(t / 1000.0), sc, ten, drv, NULLIF(dev, ''), NULLIF(trip, '')::uuid, to_timestamp(ps / 1000.0), to_timestamp(pe / 1000.0),
            risk, score, mv, f::float8[], to_timestamp(ca / 1000.0)
       FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[],
                   $10::float8[], $11::float8[], $12::text[], $13::text[], $14::float8[]) AS x(id, t, sc, ten, drv, dev, trip, ps, pe, risk, score, mv, f, ca)
     ON CONFLICT (tenant, score_id, time) DO ${onConflict === 'nothing' ? 'NOTHING' : 'UPDATE SET risk = EXCLUDED.risk, score = EXCLUDED.score, features = EXCLUDED.features, computed_at = EXCLUDED.computed_at'}`,
    [
      m((x) => x.scoreId),
      m(time),
      m((x) => x.scope),
      m((x) => x.tenant),
      m((x) => x.driverId),
      m((x) => x.deviceId),
      m((x) => x.tripId),
      m((x) => x.periodStartMs),
      m((x) => x.periodEndMs),
      m((x) => x.risk),
      m((x) => x.score),
      m((x) => x.modelVersion),
      m((x) => arr(x.features)),
      m((x) => x.computedAtMs),
    ],
  );
}

export async function pendingOutbox(q: Queryable, limit = 100): Promise<{ id: string; payload: Emission }[]> {
  const { rows } = await q.query<{ id: string | number; payload: Emission | string }>('SELECT id, payload FROM outbox ORDER BY id LIMIT $1', [limit]);
  return rows.map((r) => ({ id: String(r.id), payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Emission) : r.payload }));
}

export async function deleteOutbox(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length > 0) await q.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
}
