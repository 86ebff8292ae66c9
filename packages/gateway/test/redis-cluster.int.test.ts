// The gateway's dedupe window on a real Redis Cluster (3 masters + 3 replicas on loopback, started by
// scripts/stack redis-cluster): batched claims of many tenants' devices stay in Redis (no CROSSSLOT
// fallback), spread over every master, two gateways racing see one 'new'; a master SIGKILLed mid-run:
// nothing throws, the keys of its slots fall back to the in-memory window during the failover, then Redis
// answers again; end to end through two gateways on the cluster, a resend through the other one is deduped.
import { uplinkBatchTopic } from '@fleetwire/proto';
import { RedisClusterStack } from '@fleetwire/test-kit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { dedupeRedisKey, RedisDedupe, type ClaimResult } from '../src/adapters/redis/dedupe.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { batchBytes, connectDevice, SECRET, sleep, waitFor } from './helpers/fixtures.js';
import { uniq } from './helpers/kafka.js';

const rc = new RedisClusterStack('/tmp/fw-gw-redis-cluster', 17001);
const open: Array<{ close(): Promise<void> | void }> = [];
const track = <T extends { close(): Promise<void> | void }>(x: T): T => (open.push(x), x);

beforeAll(async () => {
  await rc.up();
}, 120_000);
afterAll(async () => {
  for (const o of open.splice(0)) await o.close();
  await rc.down();
}, 60_000);

const keysFor = (run: string, tenants: number, devices: number, seq = 1) =>
  Array.from({ length: tenants * devices }, (_, i) => `${run}-t${i % tenants}/dev-${Math.floor(i / tenants)}/boot-1/${seq}`);

/** A plain cluster client for looking at keys; closed in afterAll. */
function clusterClient(): Cluster {
  const c = new Cluster(rc.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
  open.push({ close: () => c.disconnect() });
  return c;
}

async function clusterSlot(c: Cluster, key: string): Promise<number> {
  return Number(await c.call('cluster', 'keyslot', key));
}

describe('gateway dedupe on Redis Cluster', () => {
  it('claims of 3 tenants x 200 devices in one tick: all in Redis (no fallback), keys spread over every master, then done', async () => {
    const d = track(new RedisDedupe({ url: '', clusterNodes: rc.nodes, ttlMs: 60_000, maxBatch: 1000 }));
    await waitFor(() => d.usingRedis, 15_000, 'cluster ready');
    const run = uniq('rc');
    const keys = keysFor(run, 3, 200);
    const first = await Promise.all(keys.map((k) => d.claim(k)));
    expect(new Set(first)).toEqual(new Set<ClaimResult>(['new']));
    expect(d.fallbacks, 'no call fell back to the in-memory window (CROSSSLOT or otherwise)').toBe(0);
    await Promise.all(keys.map((k) => d.commit(k)));
    const again = await Promise.all(keys.map((k) => d.claim(k)));
    expect(new Set(again)).toEqual(new Set<ClaimResult>(['done']));
    // Where did they go: every master holds some (per tenant and device group hash tags spread the load).
    const admin = clusterClient();
    const masters = new Map<number, number>();
    const masterOf = await rc.masters();
    for (const k of keys) {
      const port = masterOf(await clusterSlot(admin, dedupeRedisKey(k)));
      masters.set(port, (masters.get(port) ?? 0) + 1);
    }
    expect(masters.size, `keys per master ${JSON.stringify([...masters])}`).toBe(3);
    for (const n of masters.values()) expect(n).toBeGreaterThan(keys.length / 10);
    expect(await admin.get(dedupeRedisKey(keys[0]!))).toBe('d');
  }, 60_000);

  it('two gateways racing on the same keys: exactly one new per key', async () => {
    const a = track(new RedisDedupe({ url: '', clusterNodes: rc.nodes, ttlMs: 60_000 }));
    const b = track(new RedisDedupe({ url: '', clusterNodes: rc.nodes, ttlMs: 60_000 }));
    await waitFor(() => a.usingRedis && b.usingRedis, 15_000, 'cluster ready');
    const keys = keysFor(uniq('race'), 2, 150);
    const [ra, rb] = await Promise.all([Promise.all(keys.map((k) => a.claim(k))), Promise.all(keys.map((k) => b.claim(k)))]);
    keys.forEach((_, i) => expect([ra[i], rb[i]].filter((x) => x === 'new')).toHaveLength(1));
    expect(a.fallbacks + b.fallbacks).toBe(0);
  }, 60_000);

  it('a master SIGKILLed mid-run: no error, its slots fall back during the failover, then Redis answers again', async () => {
    const d = track(new RedisDedupe({ url: '', clusterNodes: rc.nodes, ttlMs: 60_000, commandTimeoutMs: 200 }));
    await waitFor(() => d.usingRedis, 15_000, 'cluster ready');
    const run = uniq('kill');
    const victim = await rc.masterOf(0); // the master of slot 0 as the cluster stands now
    let seq = 0;
    const perRound: { fallbacks: number; results: ClaimResult[] }[] = [];
    const t0 = Date.now();
    let killedAt = -1;
    while (Date.now() - t0 < 14_000) {
      seq++;
      if (killedAt < 0 && Date.now() - t0 > 2_000) {
        rc.kill(victim);
        killedAt = seq;
      }
      const before = d.fallbacks;
      const results = await Promise.all(keysFor(run, 3, 40, seq).map((k) => d.claim(k)));
      perRound.push({ fallbacks: d.fallbacks - before, results });
      await sleep(100);
    }
    // Every claim was answered (fresh keys: 'new' from Redis or from the in-memory window).
    for (const r of perRound) expect(new Set(r.results)).toEqual(new Set<ClaimResult>(['new']));
    expect(
      perRound.slice(0, killedAt - 1).every((r) => r.fallbacks === 0),
      'before the kill: all in Redis',
    ).toBe(true);
    // After the replica took over (node timeout 2 s + election), the last rounds are all in Redis again.
    const tail = perRound.slice(-5);
    expect(
      tail.every((r) => r.fallbacks === 0),
      `fallbacks per round: ${perRound.map((r) => r.fallbacks).join(',')}`,
    ).toBe(true);
    expect(await rc.masterOf(0)).not.toBe(victim);
    console.log(`[redis-cluster] master :${victim} killed at round ${killedAt}; fallbacks per round ${perRound.map((r) => r.fallbacks).join(',')}`);
    await rc.up(); // the killed node rejoins (as a replica of the promoted one)
  }, 90_000);

  it('end to end: two gateways on the cluster; a resend of one batch through the other gateway is deduped', async () => {
    const tenant = uniq('t');
    const sinkA = new MemorySink();
    const sinkB = new MemorySink();
    const gw = async (sink: MemorySink, id: string): Promise<Gateway> =>
      track(
        await startGateway({
          host: '127.0.0.1',
          mqttPort: 0,
          httpPort: null,
          tlsPort: null,
          tokenSecrets: [SECRET],
          sink,
          redisClusterNodes: rc.nodes,
          gatewayId: id,
          logLevel: 'silent',
        }),
      );
    const [A, B] = [await gw(sinkA, 'gw-a'), await gw(sinkB, 'gw-b')];
    // Until a gateway's cluster client is ready its in-memory window answers (and writes no marker).
    await waitFor(() => A.metrics.dedupeRedis.get() === 1 && B.metrics.dedupeRedis.get() === 1, 20_000, 'both gateways on the Redis Cluster');
    const bytes = Buffer.from(batchBytes('dev-1', 7));
    const send = async (g: Gateway) => {
      const c = await connectDevice(`mqtt://127.0.0.1:${g.ports.mqtt}`, tenant, 'dev-1');
      await c.client.publishAsync(uplinkBatchTopic(tenant, 'dev-1'), bytes, { qos: 1 });
      await c.client.endAsync();
    };
    await send(A);
    const key = dedupeRedisKey(`${tenant}/dev-1/boot-1/7`);
    const admin = clusterClient();
    const t0 = Date.now();
    while ((await admin.get(key)) !== 'd') {
      if (Date.now() - t0 > 5000) throw new Error(`dedupe marker ${key} not committed by A`);
      await sleep(20);
    }
    await send(B); // PUBACKed, not re-sent
    expect(sinkA.telemetry).toHaveLength(1);
    expect(sinkB.telemetry).toHaveLength(0);
  }, 60_000);
});
