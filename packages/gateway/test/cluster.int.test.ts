// Two gateway processes' worth of brokers sharing Redis (mqemitter-redis + aedes-persistence-redis):
// a downlink published through one instance reaches a device connected to the other.
import { fleetwire, uplinkBatchTopic } from '@fleetwire/proto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../src/gateway.js';
import { pushConfig } from '../src/push-config.js';
import { consume, stackEnv, uniq } from './helpers/kafka.js';
import { batchBytes, connectDevice, quiet, SECRET } from './helpers/fixtures.js';

const env = stackEnv();
// A separate Redis database keeps aedes' session keys away from other users of the shared server.
const redisUrl = `${env.redisUrl.replace(/\/\d*$/, '')}/7`;
const topics = { telemetry: uniq('fwtest.gw.cluster.'), deadletter: uniq('fwtest.gw.clusterdl.') };
let a: Gateway;
let b: Gateway;

beforeAll(async () => {
  const common = {
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    kafkaBrokers: env.brokers,
    topics,
    kafkaPartitions: 1,
    redisUrl,
    cluster: true,
    tokenSecrets: [SECRET],
    logger: pino(quiet),
  };
  a = await startGateway({ ...common, gatewayId: 'gw-a' });
  b = await startGateway({ ...common, gatewayId: 'gw-b' });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('two gateways sharing Redis', () => {
  it('routes a downlink published on A to a device connected to B', async () => {
    const tenant = uniq('t');
    const dev = await connectDevice(`mqtt://127.0.0.1:${b.ports.mqtt}`, tenant, 'cl-dev');
    await dev.client.subscribeAsync(`fw/${tenant}/cl-dev/down/#`, { qos: 1 });
    const got = new Promise<Buffer>((r) => dev.client.on('message', (_t, p) => r(p)));
    await pushConfig({ url: `mqtt://127.0.0.1:${a.ports.mqtt}`, tenant, deviceId: 'cl-dev', tokenSecret: SECRET, config: { version: 9, gpsRateHz: 5 } });
    const cfg = fleetwire.v1.DeviceConfig.decode(await got);
    expect(cfg.gpsRateHz).toBe(5);
    // uplinks through either instance land in the same Kafka topic
    await dev.client.publishAsync(uplinkBatchTopic(tenant, 'cl-dev'), Buffer.from(batchBytes('cl-dev', 1)), { qos: 1 });
    const other = await connectDevice(`mqtt://127.0.0.1:${a.ports.mqtt}`, tenant, 'cl-dev-2');
    await other.client.publishAsync(uplinkBatchTopic(tenant, 'cl-dev-2'), Buffer.from(batchBytes('cl-dev-2', 1)), { qos: 1 });
    const recs = await consume(env.brokers, topics.telemetry, 2, 30_000);
    expect(recs.map((r) => r.key).sort()).toEqual([`${tenant}/cl-dev`, `${tenant}/cl-dev-2`]);
    await Promise.all([dev.client.endAsync(), other.client.endAsync()]);
  });

  it('does not fan uplinks out through Redis to MQTT subscribers', async () => {
    const tenant = uniq('t');
    const partner = await connectDevice(`mqtt://127.0.0.1:${b.ports.mqtt}`, tenant, 'partner:watch');
    let seen = 0;
    partner.client.on('message', () => seen++);
    await partner.client.subscribeAsync(`fw/${tenant}/#`, { qos: 1 });
    const dev = await connectDevice(`mqtt://127.0.0.1:${a.ports.mqtt}`, tenant, 'cl-up');
    await dev.client.publishAsync(uplinkBatchTopic(tenant, 'cl-up'), Buffer.from(batchBytes('cl-up', 1)), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toBe(0);
    await Promise.all([dev.client.endAsync(), partner.client.endAsync()]);
  });

  it('dedupes a resend through the other instance via Redis (one Kafka record, both PUBACKed)', async () => {
    const tenant = uniq('t');
    const bytes = Buffer.from(batchBytes('cl-dup', 77, uniq('boot')));
    const d1 = await connectDevice(`mqtt://127.0.0.1:${a.ports.mqtt}`, tenant, 'cl-dup');
    await d1.client.publishAsync(uplinkBatchTopic(tenant, 'cl-dup'), bytes, { qos: 1 });
    await d1.client.endAsync();
    await new Promise((r) => setTimeout(r, 100)); // the 'done' marker is written just after the PUBACK
    const d2 = await connectDevice(`mqtt://127.0.0.1:${b.ports.mqtt}`, tenant, 'cl-dup');
    await d2.client.publishAsync(uplinkBatchTopic(tenant, 'cl-dup'), bytes, { qos: 1 });
    await d2.client.endAsync();
    expect(b.metrics.messages.get({ outcome: 'duplicate' })).toBe(1);
    const recs = await consume(env.brokers, topics.telemetry, 3, 30_000);
    expect(recs.filter((r) => r.key === `${tenant}/cl-dup`).length).toBe(1);
  });
});
