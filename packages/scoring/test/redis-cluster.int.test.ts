// The real-time scorer's cache writes on a real Redis Cluster (3 masters + 3 replicas on loopback, started
// by scripts/stack redis-cluster), with PostgreSQL from the test stack: one emission holding scores of
// tenants on every master is applied per tenant hash tag (no CROSSSLOT); a master SIGKILLed before the next
// trips: the publish fails, the outbox keeps the row, the batch is redelivered, and once a replica took over
// every tenant's latest score is the new one (ioredis' cluster retries may also ride the failover out).
import { RedisClusterStack, stackEnv, uniq, until } from '@fleetwire/test-kit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresKey, scoreKey } from '../src/adapters/cache.js';
import { MemoryLog } from '../src/adapters/memory-log.js';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { createPgDb, type PgDb } from '../src/adapters/pg/db.js';
import { dropSchemaDb } from './int-helpers.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { createRedisCache, opsBySlotGroup, type RedisCache } from '../src/adapters/redis/cache.js';
import { commutePhases, simulateDrive } from '../src/core/index.js';
import { cacheOps } from '../src/realtime/emit.js';
import { startRealtimeScorer } from '../src/realtime/scorer.js';
import { telemetryBytes } from './fixtures-telemetry.js';

const rc = new RedisClusterStack('/tmp/fw-sc-redis-cluster', 17011);
const env = stackEnv();
const T0 = Date.UTC(2026, 5, 1, 12);
let db: PgDb;
let model: RiskModel;
let cache: RedisCache;
let admin: Cluster;

beforeAll(async () => {
  await rc.up();
  db = await createPgDb(env.databaseUrl, { schema: `t_${uniq('rcsc')}` });
  await migrate(db);
  model = await loadModel('1.0.0');
  cache = createRedisCache('', undefined, { clusterNodes: rc.nodes });
  admin = new Cluster(rc.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
}, 120_000);
afterAll(async () => {
  admin?.disconnect();
  await cache?.close();
  await model?.close();
  await dropSchemaDb(db);
  await rc.down();
}, 60_000);

/** Tenants whose keys land on every master (two per master), found with CLUSTER KEYSLOT. */
async function tenantsOnEveryMaster(run: string): Promise<{ tenant: string; port: number }[]> {
  const masterOf = await rc.masters();
  const picked: { tenant: string; port: number }[] = [];
  const per = new Map<number, number>();
  for (let i = 0; picked.length < 6 && i < 200; i++) {
    const tenant = `${run}-${i}`;
    const port = masterOf(Number(await admin.call('cluster', 'keyslot', scoreKey(tenant, 'x'))));
    if ((per.get(port) ?? 0) >= 2) continue;
    per.set(port, (per.get(port) ?? 0) + 1);
    picked.push({ tenant, port });
  }
  return picked;
}

describe('scorer cache on Redis Cluster', () => {
  it('cache ops of one emission group by tenant hash tag (one MSET per slot)', () => {
    const s = (tenant: string, driverId: string) => ({
      scoreId: `${tenant}-${driverId}`,
      tenant,
      driverId,
      deviceId: driverId,
      tripId: 't',
      scope: 'trip' as const,
      risk: 0.1,
      score: 90,
      modelVersion: '1.0.0',
      features: [1],
      featureNames: ['f'],
      computedAtMs: 1,
      periodStartMs: 0,
      periodEndMs: 1,
    });
    const groups = opsBySlotGroup(cacheOps({ trips: [], alerts: [], scores: [s('a', 'd1'), s('b', 'd1'), s('a', 'd2')] }));
    expect(groups).toHaveLength(2);
    for (const g of groups) {
      const names = g.flatMap((o) => (o.op === 'mset' ? o.pairs.map((p) => p[0]) : o.op === 'publish' ? [o.channel] : [o.key]));
      expect(new Set(names.map((n) => /\{([^}]*)\}/.exec(n)![1])).size).toBe(1);
    }
  });

  it('scores of tenants on every master land; a master SIGKILLed: publish retried from the outbox until a replica took over', async () => {
    const tenants = await tenantsOnEveryMaster(uniq('rt'));
    expect(new Set(tenants.map((t) => t.port)).size).toBe(3);
    const log = new MemoryLog();
    const drive = (dev: string, startMs: number, firstSeq = 1) => simulateDrive({ deviceId: dev, startMs, firstSeq, phases: commutePhases({ harsh: true }) });
    const trip1 = new Map(tenants.map(({ tenant }) => [tenant, drive('dev-1', T0)]));
    for (const [tenant, batches] of trip1) for (const b of batches) log.append('tel', `${tenant}/dev-1`, telemetryBytes(b, tenant));
    const source = log.source('tel', { maxBatch: 50 });
    const scorer = await startRealtimeScorer({ source, publisher: log, db, cache, model, sweepIntervalMs: 0 });
    try {
      expect(await source.drained(60_000)).toBe(true);
      const first = new Map<string, string>();
      for (const { tenant } of tenants) {
        const v = JSON.parse((await admin.get(scoreKey(tenant, 'dev-1')))!);
        first.set(tenant, v.tripId);
        expect(JSON.parse((await admin.hget(featuresKey(tenant), 'dev-1'))!).model_version).toBe('1.0.0');
      }
      expect(scorer.metrics.publishFailures.get()).toBe(0);

      // Kill the master of one tenant's slot, then the next trip of every device.
      const victim = tenants[0]!.port;
      rc.kill(victim);
      const next = T0 + 3 * 3_600_000;
      for (const { tenant } of tenants) for (const b of drive('dev-1', next, 1000)) log.append('tel', `${tenant}/dev-1`, telemetryBytes(b, tenant));
      expect(await source.drained(60_000), 'everything handled once a replica took over').toBe(true);
      // The victim's slots moved to its replica; publishes during the failover either waited in ioredis'
      // cluster retries or failed and were published again from the outbox (publishFailures counts those).
      const slot = Number(await admin.call('cluster', 'keyslot', scoreKey(tenants[0]!.tenant, 'x')));
      await until("a replica took over the killed master's slots", async () => (await rc.masterOf(slot)) !== victim, 30_000, 200);
      console.log(`[redis-cluster] scorer: master :${victim} killed; publish failures during the failover ${scorer.metrics.publishFailures.get()}`);
      expect((await db.query('SELECT 1 FROM outbox')).rows).toHaveLength(0);
      for (const { tenant } of tenants) {
        const v = JSON.parse((await admin.get(scoreKey(tenant, 'dev-1')))!);
        expect(v.tripId, `latest score of ${tenant} is the second trip's`).not.toBe(first.get(tenant));
      }
      const trips = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trips')).rows[0]!.n;
      expect(trips).toBe(2 * tenants.length);
    } finally {
      await scorer.stop();
      await rc.up(); // the killed node rejoins as a replica
    }
  }, 120_000);
});
