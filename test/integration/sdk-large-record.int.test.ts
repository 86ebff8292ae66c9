// Issue #13's repro on the real path: the device SDK records 715 GPS fixes of a real-time drive in one
// record() call with 55-sample batches and edge detection on, ships them over MQTT to the gateway, which
// bridges to Kafka; the real-time scorer must catch up. No batch on the wire may hold only edge events.
import { createClient, MemoryStorage } from '@fleetwire/device-sdk';
import { mintDeviceToken, type Gateway } from '@fleetwire/gateway';
import { decodeTelemetryRecord } from '@fleetwire/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, uniq } from '../helpers/env.js';
import { allTopics, deleteTopics, inProcessGateway, ledger, runNames, startScorer, TOKEN_SECRET, type ScorerHandle } from '../helpers/pipeline.js';

describe('one large record() call through SDK, gateway, Kafka and scorer', () => {
  const env = stackEnv();
  const n = runNames(uniq('bigrec'));
  let gw: Gateway;
  let sc: ScorerHandle;

  beforeAll(async () => {
    sc = await startScorer(env, n);
    gw = await inProcessGateway(env, n);
  });

  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    const kafka = sc?.kafka;
    await sc?.stop();
    if (kafka) await deleteTopics(kafka, allTopics(n));
  });

  it('seals no event-only batch and the scorer catches up', async () => {
    const deviceId = `${n.id}-dev`;
    const client = await createClient({
      deviceId,
      tenant: n.tenant,
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      credentials: { username: deviceId, password: mintDeviceToken({ tenant: n.tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) },
      storage: new MemoryStorage(),
      batch: { maxSamples: 55, intervalMs: 1000 },
      detection: {},
    });
    client.on('error', () => {});
    const t0 = Date.now() - 715_000;
    // A drive that starts moving at once: the trip-start event is detected inside this one call.
    const fixes = Array.from({ length: 715 }, (_, i) => ({ kind: 'gps' as const, t: t0 + i * 1000, lat: 48.1 + i * 1e-4, lon: 11.5, speed: 14 + (i % 7) }));
    await client.record(fixes);
    await client.flush({ timeoutMs: 30_000 });
    const stats = client.stats();
    await client.close();
    expect(stats.events).toBeGreaterThan(0);

    expect(await sc.drained(60_000)).toBe(true);
    const l = (await ledger(sc.db, deviceId)).get(`${n.tenant}/${deviceId}`);
    expect(l).toMatchObject({ gps: 715, accel: 0 });
    expect(l!.batches).toBe(l!.distinctKeys);

    // What went over the wire: every batch holds samples; the events arrived inside them.
    const consumer = sc.kafka.consumer({ groupId: uniq('bigrec-read') });
    const seen: { gps: number; events: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: n.telemetry, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const r = decodeTelemetryRecord(message.value!);
        if (r.ok) seen.push({ gps: r.value.batch!.gps?.tDeltaMs?.length ?? 0, events: r.value.batch!.events?.length ?? 0 });
      },
    });
    const end = Date.now() + 20_000;
    while (seen.length < l!.batches && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    expect(seen.length).toBe(l!.batches);
    expect(seen.filter((b) => b.gps === 0)).toEqual([]);
    expect(seen.reduce((s, b) => s + b.events, 0)).toBe(stats.events);
    expect(sc.scorer.metrics.deadLetters.get({ reason: 'store_failed' })).toBe(0);
  });
});
