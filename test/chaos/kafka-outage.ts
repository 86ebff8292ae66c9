// Scenario a: the Kafka broker hangs (SIGSTOP) for ~30 s under load. The gateway must hold PUBACKs
// (bounded in-flight, bounded memory), drain when the broker comes back, and lose nothing acknowledged.
import { expect } from 'vitest';
import { sleep, metricValue, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { runNames, startScorer } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, tenantNote, settle } from './fleet-load.js';
import { saveResult } from './results.js';

export const OUTAGE_MS = 30_000;

/** hang: the broker JVM is SIGSTOPped (sockets open, no answers); stop: SIGTERM, then started again. */
export async function kafkaOutage(stack: PrivateStack, mode: 'hang' | 'stop' = 'hang'): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq(mode === 'hang' ? 'cka' : 'ckk'));
  const sc = await startScorer(stack.env, n);
  const gw = await GatewayProcess.create(stack.env, n, { FW_GATEWAY_MAX_INFLIGHT: '2000' });
  const rss: number[] = [];
  let maxInflight = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await gw.rss();
      if (r) rss.push(r);
      try {
        maxInflight = Math.max(maxInflight, metricValue(await gw.metrics(), 'fw_gateway_inflight_messages'));
      } catch {
        // gateway busy; next tick
      }
      await sleep(500);
    }
  })();
  let paused = false;
  let notReadyDuringOutage = false;
  try {
    const load = runLoad(gw.url, n, { devices: 8, speedup: 40, simulatedMs: 30 * 60_000, drainTimeoutMs: 120_000 });
    await sleep(8_000);
    const before = Math.max(...rss);
    const outage0 = Date.now();
    if (mode === 'hang') stack.pause('kafka');
    else await stack.stop('kafka');
    paused = true;
    await sleep(OUTAGE_MS - 5_000 - (Date.now() - outage0));
    notReadyDuringOutage = !(await gw.ready());
    await sleep(5_000);
    const during = Math.max(...rss);
    if (mode === 'hang') stack.resume('kafka');
    else await stack.restart();
    paused = false;
    const outageMs = Date.now() - outage0;
    const summary = await load;
    const acct = await settle(sc.db, n, summary, 90_000);
    if (acct.lost > 0) await explainLoss(sc, n, summary, acct);
    sampling = false;
    await sampler;
    const peak = Math.max(...rss);
    console.log(
      `[chaos a ${mode}] ${JSON.stringify({ outageMs, scorerRestarts: sc.restarts, recorded: summary.recorded, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, dup: acct.duplicates, reconnects: summary.reconnects, rssBefore: before, rssDuring: during, rssPeak: peak, maxInflight, notReadyDuringOutage })}`,
    );
    expect(summary.complete, 'every recorded sample acknowledged after the outage').toBe(true);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    expect(acct.stored).toBe(summary.sentSamples);
    expect(maxInflight).toBeLessThanOrEqual(2000);
    // KafkaSink readiness follows send failures and a bounded metadata probe (kafkajs emits no
    // DISCONNECT when a broker dies under a connected producer): /readyz must say 503 by now.
    expect(notReadyDuringOutage, '/readyz is 503 while Kafka is hung or down').toBe(true);
    expect(peak, 'gateway RSS stays bounded').toBeLessThan(400 * 1024 * 1024);
    saveResult({
      name: mode === 'hang' ? 'a-kafka-outage' : 'a2-kafka-stopped',
      title: mode === 'hang' ? 'Kafka broker hung under load' : 'Kafka broker stopped under load',
      fault:
        mode === 'hang'
          ? `broker JVM SIGSTOPped for ${(outageMs / 1000).toFixed(0)} s, then SIGCONT`
          : `broker stopped (SIGTERM) and started again: ${(outageMs / 1000).toFixed(0)} s without Kafka`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: 1,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `gateway RSS peak ${(peak / 2 ** 20).toFixed(0)} MiB (before the outage ${(before / 2 ** 20).toFixed(0)} MiB), max ${maxInflight} uplinks held without PUBACK (limit 2000), ${notReadyDuringOutage ? '/readyz 503 during the outage' : '/readyz stayed 200 during the outage'}, ${summary.reconnects} device reconnects` +
        tenantNote(acct) +
        scorerNote(sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    sampling = false;
    if (paused) {
      if (mode === 'hang') stack.resume('kafka');
      else await stack.restart().catch(() => undefined);
    }
    await sampler;
    await gw.stop();
    await sc.stop();
  }
}
