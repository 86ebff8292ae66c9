// Batch scorer: one aggregate query over trips for all (or some) drivers and a period, one vectorised
// ONNX run per chunk, idempotent upserts into risk_scores, Redis refresh.
import { performance } from 'node:perf_hooks';
import type { TripSums } from '../core/features.js';
import { periodScoreId } from '../core/ids.js';
import type { Cache } from '../adapters/cache.js';
import type { Db } from '../adapters/db.js';
import type { RiskModel } from '../adapters/onnx/model.js';
import { PartitionManager } from '../adapters/pg/partitions.js';
import { insertScores } from '../adapters/pg/store.js';
import type { Publisher } from '../adapters/source.js';
import { cacheOps, kafkaMessages, type ScoreOut, DEFAULT_EMIT_TOPICS } from '../realtime/emit.js';

export interface BatchScoreOptions {
  db: Db;
  model: RiskModel;
  cache?: Cache;
  /** Also publish RiskScoreCalculated (scope PERIOD) to this topic. */
  publisher?: Publisher;
  scoresTopic?: string;
  /** Only this tenant; undefined = every tenant (each driver is scored within its own tenant). */
  tenant?: string;
  /** Driver ids of `tenant` (required with it), or undefined for all drivers with trips in the period. */
  drivers?: string[];
  /** Period [untilMs - periodMs, untilMs). */
  periodMs: number;
  untilMs: number;
  /** Rows per ONNX run / upsert statement. Default 20 000. */
  chunkSize?: number;
  cachePrefix?: string;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Chunks written concurrently (each on its own pooled connection). Default 2. */
  concurrency?: number;
}

export interface TenantSummary {
  drivers: number;
  meanScore: number;
}

export interface BatchScoreSummary {
  drivers: number;
  /** Per tenant, in tenant order. */
  tenants: Record<string, TenantSummary>;
  chunks: number;
  periodStartMs: number;
  periodEndMs: number;
  meanScore: number;
  /** Stage times summed over chunks; write and cache overlap across chunks, so they can exceed total. */
  ms: { query: number; inference: number; write: number; cache: number; total: number };
}

interface AggRow {
  driver_id: string;
  tenant: string;
  trips: number | string;
  distance_m: number | string;
  duration_s: number | string;
  moving_s: number | string;
  sum_v_dt: number | string;
  sum_v2_dt: number | string;
  max_speed_ms: number | string;
  harsh_braking: number | string;
  harsh_acceleration: number | string;
  harsh_cornering: number | string;
  speeding_s: number | string;
  night_s: number | string;
  phone_use_s: number | string;
  phone_use_events: number | string;
}

/** The one aggregate query: trip sums per (tenant, driver) over the period (trips_driver_time_idx, partition pruning). */
export async function periodSums(
  db: Db,
  from: number,
  to: number,
  only: { tenant?: string; drivers?: string[] } = {},
): Promise<{ driverId: string; tenant: string; sums: TripSums }[]> {
  if (only.drivers && only.tenant === undefined) throw new Error('drivers are per tenant: give the tenant with the driver ids');
  const params: unknown[] = [from, to];
  const where: string[] = [];
  if (only.tenant !== undefined) {
    params.push(only.tenant);
    where.push(`AND tenant = $${params.length}`);
  }
  if (only.drivers) {
    params.push(only.drivers);
    where.push(`AND driver_id = ANY($${params.length}::text[])`);
  }
  const { rows } = await db.query<AggRow>(
    `SELECT tenant, driver_id, count(*)::int AS trips, sum(distance_m) AS distance_m, sum(duration_s) AS duration_s,
            sum(moving_s) AS moving_s, sum(sum_v_dt) AS sum_v_dt, sum(sum_v2_dt) AS sum_v2_dt, max(max_speed_ms) AS max_speed_ms,
            sum(harsh_braking)::int AS harsh_braking, sum(harsh_acceleration)::int AS harsh_acceleration,
            sum(harsh_cornering)::int AS harsh_cornering, sum(speeding_s) AS speeding_s, sum(night_s) AS night_s,
            sum(phone_use_s) AS phone_use_s, sum(phone_use_events)::int AS phone_use_events
       FROM trips
      WHERE start_time >= to_timestamp($1 / 1000.0) AND start_time < to_timestamp($2 / 1000.0) ${where.join(' ')}
      GROUP BY tenant, driver_id ORDER BY tenant, driver_id`,
    params,
  );
  const n = Number;
  return rows.map((r) => ({
    driverId: r.driver_id,
    tenant: r.tenant,
    sums: {
      trips: n(r.trips),
      distance_m: n(r.distance_m),
      duration_s: n(r.duration_s),
      moving_s: n(r.moving_s),
      sum_v_dt: n(r.sum_v_dt),
      sum_v2_dt: n(r.sum_v2_dt),
      max_speed_ms: n(r.max_speed_ms),
      harsh_braking: n(r.harsh_braking),
      harsh_acceleration: n(r.harsh_acceleration),
      harsh_cornering: n(r.harsh_cornering),
      speeding_s: n(r.speeding_s),
      night_s: n(r.night_s),
      phone_use_s: n(r.phone_use_s),
      phone_use_events: n(r.phone_use_events),
    },
  }));
}

export async function runBatchScore(o: BatchScoreOptions): Promise<BatchScoreSummary> {
  const t0 = performance.now();
  const from = o.untilMs - o.periodMs;
  const to = o.untilMs;
  const rows = await periodSums(o.db, from, to, { tenant: o.tenant, drivers: o.drivers });
  const tQuery = performance.now() - t0;
  await new PartitionManager(o.db).ensureFor([to]);
  const chunk = Math.max(1, o.chunkSize ?? 20_000);
  const ms = { query: tQuery, inference: 0, write: 0, cache: 0, total: 0 };
  let scoreSum = 0;
  let chunks = 0;
  const tenants: Record<string, TenantSummary> = {};
  // Chunks flow through inference -> upsert -> cache refresh; up to `concurrency` chunks are being
  // written at once (separate pooled connections), overlapping Postgres, Redis and ONNX work.
  const inflight = new Set<Promise<void>>();
  let done = 0;
  let failure: unknown = null;
  for (let i = 0; i < rows.length; i += chunk) {
    if (failure) break;
    const part = rows.slice(i, i + chunk);
    const t = performance.now();
    const scored = await o.model.scoreSums(part.map((r) => r.sums));
    ms.inference += performance.now() - t;
    const computedAt = Date.now();
    const scores: ScoreOut[] = part.map((r, j) => {
      const { risk, score, factors, features } = scored[j]!;
      scoreSum += score;
      const t = (tenants[r.tenant] ??= { drivers: 0, meanScore: 0 });
      t.meanScore = (t.meanScore * t.drivers + score) / (t.drivers + 1);
      t.drivers++;
      return {
        scoreId: periodScoreId(r.tenant, r.driverId, from, to, o.model.version),
        tenant: r.tenant,
        driverId: r.driverId,
        deviceId: '',
        tripId: '',
        scope: 'period',
        risk,
        score,
        modelVersion: o.model.version,
        features,
        featureNames: [...o.model.features],
        factors,
        computedAtMs: computedAt,
        periodStartMs: from,
        periodEndMs: to,
      };
    });
    chunks++;
    const job = (async () => {
      let t1 = performance.now();
      await o.db.transaction((tx) => insertScores(tx, scores, 'update'));
      ms.write += performance.now() - t1;
      t1 = performance.now();
      const emission = { trips: [], alerts: [], scores };
      if (o.cache) await o.cache.apply(cacheOps(emission, o.cachePrefix, true));
      if (o.publisher)
        for (const k of kafkaMessages(emission, { ...DEFAULT_EMIT_TOPICS, scores: o.scoresTopic ?? DEFAULT_EMIT_TOPICS.scores }))
          await o.publisher.send(k.topic, k.messages);
      ms.cache += performance.now() - t1;
      done += part.length;
      o.onProgress?.({ done, total: rows.length });
    })().catch((e: unknown) => {
      failure ??= e;
    });
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
    if (inflight.size >= (o.concurrency ?? 2)) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  ms.total = performance.now() - t0;
  return { drivers: rows.length, tenants, chunks, periodStartMs: from, periodEndMs: to, meanScore: rows.length ? scoreSum / rows.length : 0, ms };
}

/** "30d", "12h", "90m", "3600s" -> ms. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(d|h|m|s)$/.exec(s.trim());
  if (!m) throw new Error(`duration "${s}" must look like 30d, 12h, 90m or 3600s`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
}
