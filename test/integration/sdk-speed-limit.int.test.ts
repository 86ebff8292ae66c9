// A posted speed limit from the app's map SDK rides with the device SDK's GPS fixes over MQTT, the gateway and
// Kafka to the scorer, which measures speeding against it (issue #15): the same drive at 72 km/h is speeding
// in a posted 50 km/h zone and is not without a posted limit (the scorer's default for an unknown road).
import { createClient, MemoryStorage, type SampleRecord } from '@fleetwire/device-sdk';
import { mintDeviceToken, type Gateway } from '@fleetwire/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, uniq } from '../helpers/env.js';
import { allTopics, deleteTopics, inProcessGateway, runNames, startScorer, TOKEN_SECRET, type ScorerHandle } from '../helpers/pipeline.js';

const ZONE_50 = 50 / 3.6;

/** 1 Hz fixes: 25 s speeding up to 20 m/s, 60 s at 20 m/s (72 km/h), 16 s slowing gently, 44 s at 12 m/s. */
function drive(t0: number, limit: number | undefined): SampleRecord[] {
  const out: SampleRecord[] = [];
  let lat = 48.1;
  for (let s = 0; s < 145; s++) {
    const v = s < 25 ? s * 0.8 : s < 85 ? 20 : Math.max(12, 20 - (s - 85) * 0.5);
    lat += v / 111_195;
    out.push({ kind: 'gps', t: t0 + s * 1000, lat, lon: 11.5, speed: v, heading: 0, hdop: 0.8, ...(limit ? { speedLimit: limit } : {}) });
  }
  return out;
}

describe('posted speed limits from the device SDK to the score', () => {
  const env = stackEnv();
  const n = runNames(uniq('limit'));
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

  async function send(deviceId: string, samples: SampleRecord[]): Promise<void> {
    const client = await createClient({
      deviceId,
      tenant: n.tenant,
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      credentials: { username: deviceId, password: mintDeviceToken({ tenant: n.tenant, deviceId, secret: TOKEN_SECRET, ttlSec: 3600 }) },
      storage: new MemoryStorage(),
      batch: { intervalMs: 1000, maxSamples: 50 },
    });
    client.on('error', () => {});
    await client.record(samples);
    await client.flush({ timeoutMs: 30_000 });
    await client.close();
  }

  it('speeding against the posted limit where the fixes carry one, none where they do not; a bad limit is refused at record()', async () => {
    const t0 = Date.now() - 200_000;
    const posted = `${n.id}-posted`;
    const none = `${n.id}-none`;
    await send(posted, drive(t0, ZONE_50));
    await send(none, drive(t0, undefined));
    expect(await sc.drained(60_000)).toBe(true);
    const { rows } = await sc.db.query<{ device_id: string; peak: number; duration_ms: number }>(
      `SELECT device_id, peak, duration_ms FROM safety_events WHERE tenant = $1 AND type_name = 'speeding' ORDER BY device_id`,
      [n.tenant],
    );
    expect(rows.map((r) => r.device_id)).toEqual([posted]);
    const other = await sc.db.query<{ n: string }>(`SELECT count(*) AS n FROM safety_events WHERE tenant = $1 AND type_name <> 'speeding'`, [n.tenant]);
    expect(Number(other.rows[0]!.n)).toBe(0); // a gentle drive: nothing else
    // 20 m/s in a 13.89 m/s zone: the peak is the excess in cm/s; the episode spans the 72 km/h stretch.
    expect(rows[0]!.peak).toBeGreaterThan(500);
    expect(rows[0]!.peak).toBeLessThanOrEqual(612);
    expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(55_000);

    const bad = await createClient({ deviceId: `${n.id}-bad`, tenant: n.tenant, url: 'mqtt://127.0.0.1:1', storage: new MemoryStorage() });
    bad.on('error', () => {});
    await expect(bad.record({ kind: 'gps', t: t0, lat: 48.1, lon: 11.5, speed: 20, speedLimit: 500 })).rejects.toMatchObject({
      code: 'sample_invalid',
      field: 'speedLimit',
    });
    await bad.close();
  });
});
