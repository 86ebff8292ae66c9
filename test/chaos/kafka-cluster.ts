// Scenarios i1-i3: broker failures on a 3-node KRaft cluster (every node broker + controller), topics
// with replication factor 3 and min.insync.replicas 2 as the gateway provisions them, under load from the
// simulated fleet. Zero acknowledged samples may be lost; resends that reach Kafka twice count once.
import { expect } from 'vitest';
import { metricValue, sleep, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { busiestPartition, topicReplication, untilFullyReplicated, untilNewLeader } from '../helpers/kafka-cluster.js';
import { tallyTopic } from '../helpers/kafka-tally.js';
import { allTopics, deleteTopics, runNames, startScorer, type RunNames, type ScorerHandle } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, settle, type LoadOptions } from './fleet-load.js';
import { saveResult } from './results.js';
import type { FleetProgress } from '../../firmware-sim/src/summary.js';

export const LEADER_DOWN_MS = 20_000;
export const BELOW_MIN_ISR_MS = 25_000;

interface Run {
  n: RunNames;
  sc: ScorerHandle;
  gw: GatewayProcess;
}

/** The gateway creates its topics (auto replication: 3 copies, min.insync.replicas 2), then the scorer starts. */
async function start(cluster: PrivateStack, prefix: string): Promise<Run> {
  const n = runNames(uniq(prefix));
  const gw = await GatewayProcess.create(cluster.env, n, { FW_KAFKA_CREATE_TOPICS: 'true', FW_KAFKA_PARTITIONS: '3', FW_GATEWAY_MAX_INFLIGHT: '2000' });
  const sc = await startScorer(cluster.env, n);
  const r = await topicReplication(sc.kafka, n.telemetry);
  expect(r, 'the gateway created its topic with RF 3 and min.insync.replicas 2').toEqual({ replicas: 3, minInsyncReplicas: 2 });
  return { n, sc, gw };
}

/** Runs the load, the fault while it runs, then settles and checks the ledger; returns what to report. */
async function underLoad(run: Run, load: LoadOptions, fault: () => Promise<void>) {
  const loading = runLoad(run.gw.url, run.n, load);
  loading.catch(() => undefined);
  await fault();
  const summary = await loading;
  const acct = await settle(run.sc.db, run.n, summary, 90_000);
  if (acct.lost > 0) await explainLoss(run.sc, run.n, summary, acct);
  const tally = await tallyTopic(run.sc.kafka, run.n.telemetry);
  expect(summary.complete, 'every recorded sample acknowledged in the end').toBe(true);
  expect(acct.lost).toBe(0);
  expect(acct.duplicates, 'resends stored once').toBe(0);
  expect(acct.stored).toBe(summary.sentSamples);
  expect(tally.distinctKeys, 'every acked batch is in Kafka').toBe(summary.sentBatches);
  return { summary, acct, tally };
}

const acks = async (gw: GatewayProcess): Promise<number> => metricValue(await gw.metrics(), 'fw_gateway_sink_batches_total');

async function readyz(gw: GatewayProcess): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: r.status, body: (await r.text()).trim() };
  } catch (e) {
    return { status: 0, body: (e as Error).message };
  }
}

/** Stops gateway and scorer and deletes the run's topics: the next scenario's restarts replicate only its own. */
async function stop(run: Run): Promise<void> {
  await run.gw.stop();
  await deleteTopics(run.sc.kafka, allTopics(run.n));
  await run.sc.stop();
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** i1: SIGKILL the leader of the busiest telemetry partition, restart it after 20 s. */
export async function leaderKill(cluster: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const run = await start(cluster, 'cki');
  try {
    let info = { partition: -1, leader: -1, newLeader: -1, failoverMs: 0, rejoinMs: 0 };
    const { summary, acct, tally } = await underLoad(run, { devices: 8, speedup: 40, simulatedMs: 30 * 60_000, drainTimeoutMs: 120_000 }, async () => {
      await sleep(8_000);
      const busiest = await busiestPartition(run.sc.kafka, run.n.telemetry);
      const k0 = Date.now();
      await cluster.killKafkaNode(busiest.leader);
      const newLeader = await untilNewLeader(run.sc.kafka, run.n.telemetry, busiest.partition, busiest.leader);
      const failoverMs = Date.now() - k0;
      await sleep(Math.max(0, LEADER_DOWN_MS - (Date.now() - k0)));
      const r0 = Date.now();
      await cluster.startKafkaNode(busiest.leader);
      await untilFullyReplicated(run.sc.kafka);
      info = { partition: busiest.partition, leader: busiest.leader, newLeader, failoverMs, rejoinMs: Date.now() - r0 };
    });
    console.log(
      `[chaos i1] ${JSON.stringify({ ...info, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, kafkaResends: tally.duplicates, reconnects: summary.reconnects })}`,
    );
    saveResult({
      name: 'i1-kafka-leader-kill',
      title: '3-node Kafka: partition leader SIGKILLed',
      fault: `node ${info.leader}, leader of the busiest partition (${run.n.telemetry.split('.').slice(0, 3).join('.')}/${info.partition}), SIGKILLed; restarted after ${s(LEADER_DOWN_MS)}`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: 1,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `RF 3, min.insync.replicas 2 (created by the gateway); node ${info.newLeader} led the partition ${s(info.failoverMs)} after the kill; all ISRs full ${s(info.rejoinMs)} after the restart; ${tally.duplicates} resent batches in Kafka, stored once; ${summary.reconnects} device reconnects` +
        scorerNote(run.sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    await stop(run);
  }
}

/** i2: two of three brokers down (below min.insync.replicas): no acks, /readyz says why; one back: all resumes. */
export async function belowMinIsr(cluster: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const run = await start(cluster, 'ckj');
  try {
    let info = {
      victims: [] as number[],
      acksDuring: -1,
      pubacksDuring: -1,
      outboxGrew: 0,
      notReady: 0,
      probes: 0,
      reason: '',
      resumeMs: 0,
      rejoinMs: 0,
      outageMs: 0,
    };
    // What the devices see: samples PUBACKed so far, and recorded samples not PUBACKed (nor dropped) yet,
    // which wait in their SQLite outboxes.
    let fleet = { sent: 0, backlog: 0 };
    const onProgress = (p: FleetProgress) => (fleet = { sent: p.sentSamples, backlog: p.recorded - p.sentSamples - p.droppedSamples });
    const { summary, acct, tally } = await underLoad(
      run,
      { devices: 8, speedup: 40, simulatedMs: 40 * 60_000, drainTimeoutMs: 150_000, onProgress },
      async () => {
        await sleep(8_000);
        const busiest = await busiestPartition(run.sc.kafka, run.n.telemetry);
        const victims = [busiest.leader, ...[1, 2, 3].filter((x) => x !== busiest.leader)].slice(0, 2);
        const k0 = Date.now();
        await Promise.all(victims.map((v) => cluster.killKafkaNode(v)));
        // Writes in flight at the kill fail or wait; from here on no acks=all write can succeed.
        await sleep(2_000);
        const before = await acks(run.gw);
        const devicesBefore = { ...fleet };
        let notReady = 0;
        let probes = 0;
        let reason = '';
        while (Date.now() - k0 < BELOW_MIN_ISR_MS) {
          const r = await readyz(run.gw);
          probes++;
          if (r.status === 503) {
            notReady++;
            reason = r.body;
          }
          await sleep(1_000);
        }
        const acksDuring = (await acks(run.gw)) - before;
        const pubacksDuring = fleet.sent - devicesBefore.sent;
        const outboxGrew = fleet.backlog - devicesBefore.backlog;
        const outageMs = Date.now() - k0;
        const r0 = Date.now();
        await cluster.startKafkaNode(victims[0]!);
        let resumeMs = 0;
        const floor = await acks(run.gw);
        while (Date.now() - r0 < 120_000) {
          if ((await acks(run.gw)) > floor) {
            resumeMs = Date.now() - r0;
            break;
          }
          await sleep(250);
        }
        const r1 = Date.now();
        await cluster.startKafkaNode(victims[1]!);
        await untilFullyReplicated(run.sc.kafka);
        info = { victims, acksDuring, pubacksDuring, outboxGrew, notReady, probes, reason, resumeMs, rejoinMs: Date.now() - r1, outageMs };
      },
    );
    console.log(
      `[chaos i2] ${JSON.stringify({ ...info, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, kafkaResends: tally.duplicates, reconnects: summary.reconnects })}`,
    );
    expect(info.acksDuring, 'no Kafka ack while only one of three replicas is up').toBe(0);
    expect(info.pubacksDuring, 'no sample PUBACKed to a device meanwhile').toBe(0);
    expect(info.outboxGrew, 'the devices keep recording into their outboxes').toBeGreaterThan(0);
    expect(info.notReady, '/readyz 503 during the outage').toBeGreaterThan(0);
    expect(info.reason).toMatch(/^not ready: .*Kafka/);
    expect(info.resumeMs, 'acks resume once a second broker is back').toBeGreaterThan(0);
    saveResult({
      name: 'i2-kafka-below-min-isr',
      title: '3-node Kafka: two brokers down (below min.insync.replicas)',
      fault: `nodes ${info.victims.join(' and ')} SIGKILLed together for ${s(info.outageMs)} (controller quorum lost, 1 of 3 replicas left); node ${info.victims[0]} restarted, then node ${info.victims[1]}`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: 1,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `${info.acksDuring} Kafka acks and ${info.pubacksDuring} samples PUBACKed during the outage while the devices' outboxes grew by ${info.outboxGrew} samples; /readyz 503 in ${info.notReady} of ${info.probes} probes ("${info.reason.slice(0, 160)}"); acks resumed ${s(info.resumeMs)} after one broker came back; all ISRs full ${s(info.rejoinMs)} after the third; ${tally.duplicates} resent batches in Kafka, stored once; ${summary.reconnects} device reconnects` +
        scorerNote(run.sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    await stop(run);
  }
}

/** i3: rolling restart, each broker stopped (SIGTERM, controlled shutdown) and started, next one once all ISRs are full. */
export async function rollingRestart(cluster: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const run = await start(cluster, 'ckr');
  try {
    const perNode: number[] = [];
    const { summary, acct, tally } = await underLoad(run, { devices: 8, speedup: 40, simulatedMs: 50 * 60_000, drainTimeoutMs: 120_000 }, async () => {
      await sleep(6_000);
      for (let node = 1; node <= cluster.nodes; node++) {
        const r0 = Date.now();
        await cluster.stop('kafka', 60_000, node);
        await cluster.startKafkaNode(node);
        await untilFullyReplicated(run.sc.kafka);
        perNode.push(Date.now() - r0);
      }
    });
    console.log(
      `[chaos i3] ${JSON.stringify({ perNode, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, kafkaResends: tally.duplicates, reconnects: summary.reconnects })}`,
    );
    saveResult({
      name: 'i3-kafka-rolling-restart',
      title: '3-node Kafka: rolling restart',
      fault: `each of the ${cluster.nodes} brokers stopped (SIGTERM, controlled shutdown) and started again, the next only once every ISR was full`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: cluster.nodes,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `stop to full ISR per node: ${perNode.map(s).join(', ')}; ${tally.duplicates} resent batches in Kafka, stored once; ${summary.reconnects} device reconnects` +
        scorerNote(run.sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    await stop(run);
  }
}
