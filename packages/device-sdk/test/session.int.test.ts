// Against the real gateway (child process, Kafka sink): credentials that change (2-second tokens: the
// gateway cuts the session at expiry, the SDK reconnects with a fresh token, nothing is lost), a refused
// stale token that asks the provider again, static expired credentials that back off, and the app
// lifecycle (suspend / resume).
import { until } from '@fleetwire/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CredentialsRequest, type FleetwireError } from '../src/index.js';
import { tapDevice } from './browser/kafka-sink.js';
import { type RealGateway, startRealGateway } from './helpers/real-gateway.js';
import { checkComplete, dedupe, sampleIndexes, samples } from './helpers/samples.js';

let g: RealGateway;
beforeAll(async () => {
  g = await startRealGateway('session');
}, 120_000);
afterAll(async () => {
  await g?.stop();
});

const fast = { initialDelayMs: 50, maxDelayMs: 500 };
const delivered = (batches: Parameters<typeof dedupe>[0]) => sampleIndexes(dedupe(batches).unique);

describe('sessions against the real gateway', () => {
  it('reconnects with a fresh token each time a 2-second token expires, and loses nothing', async () => {
    const deviceId = 'phone-ttl2';
    const tap = await tapDevice(g.kafka, g.telemetry, deviceId);
    const asked: CredentialsRequest[] = [];
    const client = await createClient({
      deviceId,
      tenant: g.tenant,
      url: g.gw.mqttUrl,
      storage: { memory: true },
      batch: { intervalMs: 1000, maxSamples: 500 },
      reconnect: fast,
      credentials: async (req) => {
        asked.push(req);
        return { username: deviceId, password: g.token(deviceId, 2) };
      },
    });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    const N = 16_000; // 8 s at 100 records/50 ms: several token lifetimes
    for (let i = 0; i < N; i += 100) {
      await client.record(samples(i, i + 100));
      await new Promise((r) => setTimeout(r, 25));
    }
    await client.flush({ timeoutMs: 30_000 });
    const st = client.stats();
    await client.close();
    expect(st.reconnects).toBeGreaterThanOrEqual(2); // cut at expiry, at least twice
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked[0]!.reason).toBe('connect');
    expect(asked.slice(1).every((r) => r.reason === 'reconnect' || r.reason === 'refused')).toBe(true);
    await until('all samples in Kafka', () => delivered(tap.batches).length >= N, 30_000);
    expect(checkComplete(delivered(tap.batches), N)).toBeNull();
    console.log(
      `2 s tokens: ${st.reconnects} reconnects, ${asked.length} tokens asked, ${dedupe(tap.batches).duplicates} duplicate batches, errors ${errors.map((e) => e.code).join(',') || 'none'}`,
    );
    await tap.close();
  });

  it('a refused (expired) token asks the provider again at once, with reason "refused"', async () => {
    const deviceId = 'phone-stale';
    const asked: CredentialsRequest[] = [];
    const client = await createClient({
      deviceId,
      tenant: g.tenant,
      url: g.gw.mqttUrl,
      storage: { memory: true },
      reconnect: { initialDelayMs: 5000, maxDelayMs: 5000 }, // a backoff would show as a 5 s wait
      credentials: (req) => {
        asked.push(req);
        // An app's token cache hands out what it has until told it was refused.
        const now = req.reason === 'refused' ? Date.now() : Date.now() - 3600_000;
        return { username: deviceId, password: g.token(deviceId, 60, now) };
      },
    });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    const t0 = Date.now();
    await until('connected with a refreshed token', () => client.stats().connected, 4000, 20);
    const took = Date.now() - t0;
    await client.close();
    expect(errors.some((e) => e.code === 'connect_failed' && /CONNACK 5/.test(e.message))).toBe(true);
    expect(asked.map((r) => r.reason)).toEqual(['connect', 'refused']);
    expect(took).toBeLessThan(4000); // no backoff wait in between (5 s)
  });

  it('static credentials that are refused back off and keep reporting the refusal', async () => {
    const deviceId = 'phone-static';
    const client = await createClient({
      deviceId,
      tenant: g.tenant,
      url: g.gw.mqttUrl,
      storage: { memory: true },
      reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
      credentials: { username: deviceId, password: g.token(deviceId, 60, Date.now() - 3600_000) },
    });
    const errors: FleetwireError[] = [];
    client.on('error', (e) => errors.push(e));
    await until('two refusals', () => errors.filter((e) => e.code === 'connect_failed' && /CONNACK 5/.test(e.message)).length >= 2, 10_000, 20);
    expect(client.stats().connected).toBe(false);
    await client.close();
  });

  it('suspend() seals and disconnects; records while suspended; resume() resends everything', async () => {
    const deviceId = 'phone-lifecycle';
    const tap = await tapDevice(g.kafka, g.telemetry, deviceId);
    const client = await createClient({
      deviceId,
      tenant: g.tenant,
      url: g.gw.mqttUrl,
      storage: { memory: true },
      batch: { intervalMs: 60_000 },
      reconnect: fast,
      credentials: () => ({ username: deviceId, password: g.token(deviceId, 600) }),
    });
    client.on('error', () => {});
    await until('connected', () => client.stats().connected, 10_000, 20);
    await client.record(samples(0, 3000));
    await client.suspend({ timeoutMs: 5000 }); // seals the pending rows and waits for their PUBACKs
    let st = client.stats();
    expect(st.suspended).toBe(true);
    expect(st.connected).toBe(false);
    expect(st.pendingSamples).toBe(0);
    expect(st.sent.samples).toBe(3000);
    await client.record(samples(3000, 6000)); // the app records in the background, offline
    await new Promise((r) => setTimeout(r, 300));
    expect(client.stats().connected).toBe(false); // suspended: no reconnect attempts
    await client.suspend(); // seals the background rows
    expect(client.stats().sealedBatches).toBeGreaterThan(0);
    const t0 = Date.now();
    const firstSent = new Promise<number>((r) => client.once('sent', () => r(Date.now() - t0)));
    client.resume();
    const ms = await firstSent;
    await client.flush({ timeoutMs: 10_000 });
    st = client.stats();
    await client.close();
    expect(st.suspended).toBe(false);
    expect(st.sent.samples).toBe(6000);
    await until('all samples in Kafka', () => delivered(tap.batches).length >= 6000, 30_000);
    expect(checkComplete(delivered(tap.batches), 6000)).toBeNull();
    console.log(`resume(): first batch acknowledged after ${ms} ms`);
    await tap.close();
  });
});
