// `npm start` path with servers: simulator -> SDK -> MQTT -> gateway -> Kafka -> scorer -> Postgres + Redis,
// configured by the scoring service's environment (own topics, group and schema for this run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDeviceToken } from '@fleetwire/gateway';
import { stackEnv, uniq } from '@fleetwire/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type EmbeddedStack } from '../src/embedded-stack.js';
import { driverSummary, scoreValues, tripPoints } from '../src/summary.js';
import { runFleet } from '@fleetwire/firmware-sim';

const servers = stackEnv();
const id = uniq('demosrv');
const env = {
  FW_KAFKA_BROKERS: servers.brokers.join(','),
  FW_DATABASE_URL: servers.databaseUrl,
  FW_REDIS_URL: servers.redisUrl,
  FW_SCORING_TOPIC: `fw.telemetry.v1.${id}`,
  FW_TOPIC_TRIPS: `fw.trips.v1.${id}`,
  FW_TOPIC_SCORES: `fw.scores.v1.${id}`,
  FW_TOPIC_ALERTS: `fw.alerts.v1.${id}`,
  FW_TOPIC_DEADLETTER: `fw.deadletter.v1.${id}`,
  FW_SCORING_GROUP: `${id}-rt`,
  FW_DB_SCHEMA: `s_${id}`,
};

let stack: EmbeddedStack;
const dataDir = mkdtempSync(join(tmpdir(), 'fw-demo-srv-'));

beforeAll(async () => {
  stack = await startEmbeddedStack({ env, idleEndMs: 3 * 60_000 });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('demo stack on the real servers', () => {
  it('scores simulated drives through Kafka and Postgres; settle() waits for the consumer group, not a fixed delay', async () => {
    expect(stack.mode).toBe('servers');
    expect(stack.log).toBeNull();
    const tenant = 'demo';
    const summary = await runFleet({
      devices: 2,
      speedup: 400,
      durationMs: 10 * 60_000,
      gatewayUrl: stack.mqttUrl,
      tenant,
      dataDir,
      seed: id,
      deviceIdPrefix: `${id}-`,
      credentialsFor: (deviceId) => ({ username: deviceId, password: mintDeviceToken({ tenant, deviceId, secret: stack.tokenSecret, ttlSec: 3600 }) }),
      client: { batch: { intervalMs: 5000 } },
    });
    expect(summary.sentSamples).toBe(summary.recorded);
    expect(summary.droppedSamples).toBe(0);

    // Caught up once every acknowledged batch was handled and committed by the scorer's group.
    expect(await stack.settle()).toBe(true);
    const drivers = await driverSummary(stack.db);
    expect(drivers.map((d) => d.driverId).sort()).toEqual([`${id}-0001`, `${id}-0002`]);
    for (const d of drivers) {
      expect(d.trips).toBeGreaterThan(0);
      expect(d.lastScore).not.toBeNull();
    }
    const [trips, scores] = await Promise.all([tripPoints(stack.db), scoreValues(stack.db)]);
    expect(scores.length).toBe(trips.length);
  }, 120_000);
});
