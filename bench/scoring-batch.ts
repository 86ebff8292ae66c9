// Batch scorer at fleet scale: N drivers x K trips seeded in Postgres (FW_DATABASE_URL, own schema,
// dropped afterwards) or PGlite when unset; one aggregate query + vectorised ONNX + upserts + Redis refresh.
// Goal: 100k drivers < 10 s. Env: BENCH_DRIVERS (100000), BENCH_TRIPS (3).
import { createPgDb, createPgliteDb, createRedisCache, type Db, loadModel, MemoryCache, migrate, PartitionManager, runBatchScore } from '@fleetwire/scoring';
import { report } from './lib.js';

const drivers = Number(process.env.BENCH_DRIVERS ?? 100_000);
const tripsPer = Number(process.env.BENCH_TRIPS ?? 3);
const until = Date.UTC(2026, 10, 1);
const schema = `bench_scoring_${Date.now().toString(36)}`;
const url = process.env.FW_DATABASE_URL;
const db: Db = url ? await createPgDb(url, { schema, max: 3 }) : await createPgliteDb();
const backend = url ? 'postgres' : 'pglite';
try {
  await migrate(db);
  await new PartitionManager(db).ensureFor([until - 31 * 86_400_000, until - 86_400_000, until]);
  let t = performance.now();
  await db.query(
    `INSERT INTO trips (trip_id, start_time, end_time, tenant, device_id, driver_id, start_lat_e7, start_lon_e7, end_lat_e7, end_lon_e7,
        distance_m, duration_s, moving_s, sum_v_dt, sum_v2_dt, max_speed_ms, harsh_braking, harsh_acceleration, harsh_cornering,
        speeding_s, night_s, features)
     SELECT md5(d::text || ':' || k)::uuid, ts, ts + interval '20 minutes', 'bench', 'dev-' || d, 'drv-' || d, 0, 0, 0, 0,
            dist, 1200, mov, dist, dist * 15, 15 + (d % 20), (d % 7 = 0)::int * (k % 3), (d % 11 = 0)::int, (d % 13 = 0)::int,
            CASE WHEN d % 9 = 0 THEN mov * 0.2 ELSE 0 END, CASE WHEN d % 5 = 0 THEN 1200 ELSE 0 END, '{}'
       FROM generate_series(1, $1::int) d, generate_series(1, $2::int) k,
            LATERAL (SELECT to_timestamp(($3::float8 - k * 86400000.0 - (d % 3600) * 1000.0) / 1000.0) AS ts,
                            3000 + (d * 7919 + k * 104729) % 20000 AS dist, 1000 AS mov) x`,
    [drivers, tripsPer, until],
  );
  if (url) await db.exec('ANALYZE trips');
  const seedMs = performance.now() - t;
  process.stderr.write(`seeded ${drivers} drivers x ${tripsPer} trips on ${backend} in ${(seedMs / 1000).toFixed(1)} s\n`);

  const model = await loadModel('1.0.0');
  const cache = process.env.FW_REDIS_URL ? createRedisCache(process.env.FW_REDIS_URL) : new MemoryCache();
  t = performance.now();
  const s = await runBatchScore({ db, model, cache, cachePrefix: `${schema}:`, periodMs: 30 * 86_400_000, untilMs: until, chunkSize: 25_000 });
  const totalMs = performance.now() - t;
  process.stderr.write(`${JSON.stringify(s)}\n`);
  if (s.drivers !== drivers) throw new Error(`scored ${s.drivers} drivers, expected ${drivers}`);
  // Baseline in the same run: the aggregate query alone (the floor for any implementation).
  t = performance.now();
  await db.query('SELECT tenant, driver_id, count(*), sum(distance_m) FROM trips GROUP BY tenant, driver_id');
  const queryOnly = performance.now() - t;
  report({
    bench: 'scoring-batch',
    metric: `${drivers} drivers end to end (${backend}${process.env.FW_REDIS_URL ? '+redis' : ''})`,
    unit: 's',
    value: totalMs / 1000,
    lowerIsBetter: true,
    baseline: 'goal',
    baselineValue: 10,
  });
  report({ bench: 'scoring-batch', metric: 'drivers/s', unit: 'drivers/s', value: (drivers * 1000) / totalMs });
  report({
    bench: 'scoring-batch',
    metric: 'aggregate query',
    unit: 's',
    value: s.ms.query / 1000,
    lowerIsBetter: true,
    baseline: 'plain GROUP BY',
    baselineValue: queryOnly / 1000,
  });
  report({ bench: 'scoring-batch', metric: 'ONNX inference', unit: 'rows/s', value: (drivers * 1000) / s.ms.inference });
  report({ bench: 'scoring-batch', metric: 'score upserts', unit: 'rows/s', value: (drivers * 1000) / s.ms.write });
  report({ bench: 'scoring-batch', metric: 'cache refresh', unit: 'drivers/s', value: (drivers * 1000) / s.ms.cache });
  if (process.env.FW_REDIS_URL) {
    const r = createRedisCache(process.env.FW_REDIS_URL);
    const keys = await r.redis.keys(`${schema}:*`);
    for (let i = 0; i < keys.length; i += 5000) await r.redis.del(...keys.slice(i, i + 5000));
    await r.close();
  }
  await cache.close();
  await model.close();
} finally {
  if (url) await db.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
  await db.close();
}
