// Scenario b: the gateway process is SIGKILLed and restarted (same ports) several times under load.
// Devices reconnect and resend what was not acknowledged; nothing acknowledged may be lost, and the
// resends that reach Kafka twice must be counted once in Postgres.
import { expect } from 'vitest';
import { sleep, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { tallyTopic } from '../helpers/kafka-tally.js';
import { runNames, startScorer } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, tenantNote, settle } from './fleet-load.js';
import { saveResult } from './results.js';

export const GATEWAY_KILLS = 3;

export async function gatewayKill(stack: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq('ckb'));
  const sc = await startScorer(stack.env, n);
  const gw = await GatewayProcess.create(stack.env, n);
  try {
    const load = runLoad(gw.url, n, { devices: 8, speedup: 40, simulatedMs: 20 * 60_000, drainTimeoutMs: 90_000 });
    for (let i = 0; i < GATEWAY_KILLS; i++) {
      await sleep(6_000);
      await gw.kill();
      await sleep(1_500);
      await gw.start();
    }
    const summary = await load;
    const acct = await settle(sc.db, n, summary, 60_000);
    if (acct.lost > 0) await explainLoss(sc, n, summary, acct);
    const tally = await tallyTopic(sc.kafka, n.telemetry);
    console.log(
      `[chaos b] ${JSON.stringify({ recorded: summary.recorded, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, dup: acct.duplicates, reconnects: summary.reconnects, kafkaRecords: tally.records, kafkaResends: tally.duplicates, starts: gw.starts })}`,
    );
    expect(summary.complete, 'every recorded sample acknowledged in the end').toBe(true);
    expect(summary.reconnects).toBeGreaterThanOrEqual(GATEWAY_KILLS);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    expect(acct.stored).toBe(summary.sentSamples);
    expect(tally.distinctKeys).toBe(summary.sentBatches);
    saveResult({
      name: 'b-gateway-kill',
      title: 'Gateway SIGKILLed under load',
      fault: `gateway process SIGKILLed ${GATEWAY_KILLS} times, restarted after 1.5 s on the same ports`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: GATEWAY_KILLS,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `${summary.reconnects} device reconnects; ${tally.duplicates} batches reached Kafka twice (sent but not acknowledged before a kill) and were counted once by the scorer` +
        tenantNote(acct) +
        scorerNote(sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    await gw.stop();
    await sc.stop();
  }
}
