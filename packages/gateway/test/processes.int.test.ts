// `fleetwire-gateway serve --processes 2` on the real stack (Kafka sink, Redis dedupe): both workers share
// the MQTT and HTTP ports, /metrics holds both workers' series; a worker SIGKILLed under load is restarted,
// its devices reconnect, and every sample whose PUBACK a device got is in Kafka (0 acknowledged lost);
// SIGTERM stops the primary and its workers cleanly.
import { readFileSync } from 'node:fs';
import { decodeTelemetryRecord, uplinkBatchTopic } from '@fleetwire/proto';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { mintDeviceToken } from '@fleetwire/runtime';
import { batchBytes, SECRET, sleep } from './helpers/fixtures.js';
import { consume, stackEnv, uniq } from './helpers/kafka.js';
import { spawnGateway, stopAllGateways } from './helpers/spawn-gateway.js';

const env = stackEnv();
afterAll(() => stopAllGateways());

const childrenOf = (pid: number): number[] => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/** One device: publishes seq 1..n (QoS 1, one at a time); on a lost connection it reconnects and resends the seq not yet acknowledged. */
async function device(url: string, tenant: string, id: string, n: number, stopAt: () => boolean): Promise<{ acked: number[]; reconnects: number }> {
  const acked: number[] = [];
  let reconnects = 0;
  let seq = 1;
  const password = mintDeviceToken({ tenant, deviceId: id, secret: SECRET, ttlSec: 600 });
  while (seq <= n && !stopAt()) {
    let c: mqtt.MqttClient | null = null;
    try {
      c = await mqtt.connectAsync(url, { username: id, password, clientId: `${id}-${reconnects}`, reconnectPeriod: 0, connectTimeout: 3000 });
      for (; seq <= n && !stopAt(); seq++) {
        // A connection that dies with the publish in flight may never settle it: give up after 5 s, resend.
        const client = c;
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no PUBACK in 5 s')), 5_000);
          client.once('close', () => reject(new Error('connection closed')));
          client.publish(uplinkBatchTopic(tenant, id), Buffer.from(batchBytes(id, seq)), { qos: 1 }, (e) => {
            clearTimeout(t);
            if (e) reject(e);
            else resolve();
          });
        });
        acked.push(seq);
      }
    } catch {
      reconnects++;
      await sleep(100);
    } finally {
      c?.end(true);
    }
  }
  return { acked, reconnects };
}

describe('gateway serve --processes 2', () => {
  it('shares the ports, aggregates /metrics, restarts a SIGKILLed worker; 0 acknowledged samples lost', async () => {
    const id = uniq('gwp');
    const topic = `fw.telemetry.v1.${id}`;
    const gw = await spawnGateway({
      name: 'processes',
      args: ['--processes', '2'],
      env: {
        FW_KAFKA_BROKERS: env.brokers.join(','),
        FW_REDIS_URL: env.redisUrl,
        FW_GATEWAY_TOKEN_SECRET: SECRET,
        FW_GATEWAY_TOPIC_TELEMETRY: topic,
        FW_GATEWAY_TOPIC_DEADLETTER: `${topic}.dl`,
        FW_GATEWAY_ID: id,
      },
    });
    const t0 = Date.now();
    while (childrenOf(gw.pid).length < 2 || !(await fetch(`${gw.httpUrl}/readyz`).catch(() => null))?.ok) {
      if (Date.now() - t0 > 30_000) throw new Error(`workers not up: ${gw.logTail()}`);
      await sleep(200);
    }
    await sleep(1500); // the second worker listening too
    const workers = childrenOf(gw.pid);
    expect(workers).toHaveLength(2);

    const tenant = uniq('t');
    let stop = false;
    const devices = Array.from({ length: 16 }, (_, i) => device(gw.mqttUrl, tenant, `d${i}`, 400, () => stop));
    await sleep(3_000);
    process.kill(workers[0]!, 'SIGKILL');
    // The primary forks a replacement for the dead worker.
    const t1 = Date.now();
    while (!(childrenOf(gw.pid).length === 2 && !childrenOf(gw.pid).includes(workers[0]!))) {
      if (Date.now() - t1 > 20_000) throw new Error(`no replacement worker: ${gw.logTail()}`);
      await sleep(100);
    }
    await sleep(4_000);
    stop = true;
    const results = await Promise.all(devices);
    const acked = results.reduce((a, r) => a + r.acked.length, 0);
    const reconnects = results.reduce((a, r) => a + r.reconnects, 0);
    expect(acked).toBeGreaterThan(500);
    expect(reconnects, 'devices of the killed worker reconnected').toBeGreaterThan(0);

    // /metrics (whichever worker answers) holds both workers' series once the replacement is up.
    let metrics = '';
    const t2 = Date.now();
    while (!(/worker="1"/.test(metrics) && /worker="2"/.test(metrics))) {
      if (Date.now() - t2 > 30_000) throw new Error(`/metrics never showed both workers:\n${metrics.slice(0, 2000)}\n${gw.logTail()}`);
      metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
      await sleep(250);
    }
    const accepted = [...metrics.matchAll(/^fw_gateway_messages_total\{worker="(\d)",outcome="accepted"\} (\d+)/gm)].map((m) => Number(m[2]));
    expect(accepted.length).toBeGreaterThanOrEqual(1);

    // Every acknowledged (device, seq) is in Kafka.
    const kafka = new Kafka({ clientId: `${id}-check`, brokers: env.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const total = (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
    const records = await consume(env.brokers, topic, total, 60_000);
    const seen = new Set<string>();
    for (const r of records) {
      const d = decodeTelemetryRecord(r.value);
      if (d.ok) seen.add(`${d.value.batch!.deviceId}/${Number(d.value.batch!.seq)}`);
    }
    const lost = results.flatMap((r, i) => r.acked.filter((s) => !seen.has(`d${i}/${s}`)).map((s) => `d${i}/${s}`));
    console.log(`[processes] ${JSON.stringify({ acked, reconnects, kafkaRecords: records.length, distinct: seen.size, lost: lost.length })}`);
    expect(lost).toEqual([]);

    await gw.stop('SIGTERM', 20_000);
    expect((await gw.exited).code).toBe(0);
    await admin.deleteTopics({ topics: [topic, `${topic}.dl`] }).catch(() => undefined);
    await admin.disconnect();
  }, 120_000);
});
