// What the demo shows: per-driver trips, distance, events and latest score, read back from the
// scorer's database (PGlite or Postgres) — the same tables the product writes.
import type { Db } from '@fleetwire/scoring';

export interface DriverRow {
  tenant: string;
  driverId: string;
  trips: number;
  distanceKm: number;
  harshBraking: number;
  harshAcceleration: number;
  harshCornering: number;
  speedingS: number;
  lastScore: number | null;
  meanScore: number | null;
}

export interface TripPoint {
  driverId: string;
  startLat: number;
  startLon: number;
  endLat: number;
  endLon: number;
  score: number | null;
}

export interface EventCount {
  type: string;
  count: number;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export async function driverSummary(db: Db): Promise<DriverRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(`
    SELECT t.tenant, t.driver_id,
           count(*) AS trips,
           sum(t.distance_m) / 1000 AS km,
           sum(t.harsh_braking) AS hb, sum(t.harsh_acceleration) AS ha, sum(t.harsh_cornering) AS hc,
           sum(t.speeding_s) AS sp,
           avg(t.score) AS mean_score,
           (SELECT r.score FROM risk_scores r WHERE r.tenant = t.tenant AND r.driver_id = t.driver_id ORDER BY r.time DESC LIMIT 1) AS last_score
      FROM trips t
     GROUP BY t.tenant, t.driver_id
     ORDER BY t.tenant, t.driver_id`);
  return rows.map((r) => ({
    tenant: String(r.tenant),
    driverId: String(r.driver_id),
    trips: n(r.trips),
    distanceKm: n(r.km),
    harshBraking: n(r.hb),
    harshAcceleration: n(r.ha),
    harshCornering: n(r.hc),
    speedingS: n(r.sp),
    lastScore: r.last_score === null ? null : n(r.last_score),
    meanScore: r.mean_score === null ? null : n(r.mean_score),
  }));
}

export async function tripPoints(db: Db): Promise<TripPoint[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT driver_id, start_lat_e7, start_lon_e7, end_lat_e7, end_lon_e7, score FROM trips ORDER BY start_time',
  );
  return rows.map((r) => ({
    driverId: String(r.driver_id),
    startLat: n(r.start_lat_e7) / 1e7,
    startLon: n(r.start_lon_e7) / 1e7,
    endLat: n(r.end_lat_e7) / 1e7,
    endLon: n(r.end_lon_e7) / 1e7,
    score: r.score === null ? null : n(r.score),
  }));
}

export async function eventCounts(db: Db): Promise<EventCount[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT type_name, count(*) AS c FROM safety_events GROUP BY type_name ORDER BY type_name');
  return rows.map((r) => ({ type: String(r.type_name), count: n(r.c) }));
}

export async function scoreValues(db: Db): Promise<number[]> {
  const { rows } = await db.query<Record<string, unknown>>("SELECT score FROM risk_scores WHERE scope = 'trip'");
  return rows.map((r) => n(r.score));
}

/** Renders the live table (plain text, fixed width). */
export function renderTable(rows: readonly DriverRow[], header: string, maxRows = 20): string {
  const head = ['driver', 'trips', 'km', 'brake', 'accel', 'corner', 'speeding s', 'last score', 'mean'];
  const fmt = (v: number | null, d = 0) => (v === null ? '-' : v.toFixed(d));
  const body = rows
    .slice(0, maxRows)
    .map((r) => [
      r.driverId,
      String(r.trips),
      fmt(r.distanceKm, 1),
      String(r.harshBraking),
      String(r.harshAcceleration),
      String(r.harshCornering),
      fmt(r.speedingS),
      fmt(r.lastScore, 1),
      fmt(r.meanScore, 1),
    ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const lines = all.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  if (rows.length > maxRows) lines.push(`… and ${rows.length - maxRows} more drivers`);
  return [header, ...lines].join('\n');
}
