// Chaos suite: faults, bad input and access under load, on a private Kafka/Postgres/Redis stack
// (scripts/stack with its own ports and state dir, stopped in afterAll). Every scenario counts the
// samples from the simulator/SDK to Postgres and asserts zero loss. Figures go to results.json and the
// README's Reliability section.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freeStackOptions, PrivateStack } from '../helpers/private-stack.js';
import { auth } from './auth.js';
import { fuzz } from './fuzz.js';
import { gatewayKill } from './gateway-kill.js';
import { belowMinIsr, leaderKill, rollingRestart } from './kafka-cluster.js';
import { kafkaOutage } from './kafka-outage.js';
import { sdkKill } from './sdk-kill.js';
import { serverOutage } from './server-outage.js';
import { slowConsumers } from './slow-consumers.js';

// Private stacks on free ports in their own state dirs: suites of several engineers (or CI) on one machine
// do not meet. The 3-node Kafka cluster uses this stack's PostgreSQL and Redis.
let stack: PrivateStack;
const keep = process.env.FW_CHAOS_KEEP_STACK === '1';

describe.sequential('chaos', () => {
  beforeAll(async () => {
    stack = new PrivateStack(await freeStackOptions('chaos'));
    await stack.up();
  }, 240_000);

  afterAll(async () => {
    if (!keep) await stack.down().catch((e: Error) => console.error(`private stack down failed: ${e.message}`));
  }, 120_000);

  it('a. Kafka hung for 30 s under load: PUBACKs held, memory bounded, then drained, nothing lost', () => kafkaOutage(stack), 240_000);

  it('a2. Kafka stopped and restarted (30 s without a broker) under load: nothing lost', () => kafkaOutage(stack, 'stop'), 240_000);

  it('b. gateway SIGKILLed and restarted 3 times under load: devices reconnect, nothing acknowledged lost', () => gatewayKill(stack), 180_000);

  it('c. device SDK process SIGKILLed repeatedly: nothing whose record() resolved is lost', () => sdkKill(stack), 180_000);

  it('d. PostgreSQL stopped for 25 s under load: scorer pauses, then catches up, nothing lost', () => serverOutage(stack, 'postgres', 25_000), 240_000);

  it('e. Redis stopped for 20 s under load: dedupe falls back, scores still land in PostgreSQL', () => serverOutage(stack, 'redis', 20_000), 240_000);

  it('f. 10,000 fuzzed, oversized and JSON-bomb payloads from 20 clients: all dead-lettered, the fleet unaffected', () => fuzz(stack), 180_000);

  it('g. wrong/expired credentials, foreign topics, connection flood: all denied and counted', () => auth(stack), 120_000);

  it('h. stalled MQTT/TCP and WebSocket subscribers: uplinks unaffected, memory bounded, downlink stall measured', () => slowConsumers(stack), 180_000);

  describe.sequential('3-node Kafka cluster (RF 3, min.insync.replicas 2)', () => {
    let cluster: PrivateStack;
    beforeAll(async () => {
      cluster = new PrivateStack(
        await freeStackOptions('chaos-kafka3', {
          kafkaNodes: 3,
          services: ['kafka'],
          shared: { databaseUrl: stack.env.databaseUrl, redisUrl: stack.env.redisUrl },
        }),
      );
      await cluster.up();
    }, 240_000);

    afterAll(async () => {
      if (!keep) await cluster?.down().catch((e: Error) => console.error(`kafka cluster down failed: ${e.message}`));
    }, 120_000);

    it('i1. the leader of the busiest partition SIGKILLed, back after 20 s: nothing acknowledged lost', () => leaderKill(cluster), 240_000);

    it('i2. two of three brokers down (below min ISR): no PUBACK, /readyz says why, one back and all resumes', () => belowMinIsr(cluster), 300_000);

    it('i3. rolling restart of all three brokers under load: nothing lost', () => rollingRestart(cluster), 300_000);
  });

  it('writes the README Reliability section from results.json', () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('./write-readme.mjs', import.meta.url))], { stdio: 'inherit' });
  });
});
