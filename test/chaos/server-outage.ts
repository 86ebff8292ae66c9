// Scenarios d and e: PostgreSQL or Redis stopped under load, then started again.
// d: the scorer pauses (not ready), commits no offsets past unwritten data, then catches up: zero loss.
// e: the gateway's dedupe falls back to memory, the scorer's cache writes fail; trips and scores still
//    land in PostgreSQL: zero loss.
import { expect } from 'vitest';
import { sleep, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { runNames, startScorer } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, tenantNote, settle } from './fleet-load.js';
import { saveResult } from './results.js';

export async function serverOutage(stack: PrivateStack, server: 'postgres' | 'redis', outageMs: number): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq(server === 'postgres' ? 'ckd' : 'cke'));
  const sc = await startScorer(stack.env, n, { retryMaxMs: 1000 });
  const gw = await GatewayProcess.create(stack.env, n);
  let down = false;
  try {
    const load = runLoad(gw.url, n, { devices: 6, speedup: 40, simulatedMs: 20 * 60_000, drainTimeoutMs: 90_000 });
    const rows = () => sc.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batch_summaries').then((r) => r.rows[0]!.n);
    await sleep(6_000);
    const rowsBefore = server === 'postgres' ? 0 : await rows();
    await stack.stop(server);
    down = true;
    await sleep(Math.min(8_000, outageMs / 2));
    const readyDuring = sc.scorer.ready();
    await sleep(outageMs - Math.min(8_000, outageMs / 2));
    const rowsDuring = server === 'postgres' ? 0 : (await rows()) - rowsBefore;
    await stack.restart();
    down = false;
    const summary = await load;
    const acct = await settle(sc.db, n, summary, 90_000);
    if (acct.lost > 0) await explainLoss(sc, n, summary, acct);
    await sc.scorer.sweep(Date.now() + 24 * 3600_000);
    const drivers = await sc.db.query<{ n: number }>(
      'SELECT count(DISTINCT (d.tenant, d.driver_id))::int AS n FROM devices d JOIN risk_scores s ON s.tenant = d.tenant AND s.driver_id = d.driver_id WHERE d.device_id LIKE $1',
      [`${n.id}-d%`],
    );
    const scored = drivers.rows[0]!.n;
    console.log(
      `[chaos ${server}] ${JSON.stringify({ recorded: summary.recorded, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, dup: acct.duplicates, readyDuring, rowsDuring, scored, reconnects: summary.reconnects })}`,
    );
    expect(summary.complete, 'every recorded sample acknowledged').toBe(true);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    expect(acct.stored).toBe(summary.sentSamples);
    if (server === 'postgres') expect(readyDuring, 'scorer reports not ready while Postgres is down').toBe(false);
    else expect(rowsDuring, 'scorer kept writing Postgres while Redis was down').toBeGreaterThan(0);
    expect(scored, 'drivers with a risk score in Postgres').toBe(summary.devices);
    saveResult({
      name: server === 'postgres' ? 'd-postgres-outage' : 'e-redis-outage',
      title: server === 'postgres' ? 'PostgreSQL stopped under load' : 'Redis stopped under load',
      fault: `${server === 'postgres' ? 'PostgreSQL' : 'Redis'} stopped for ${outageMs / 1000} s, then started again`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: 1,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        (server === 'postgres'
          ? `scorer not ready during the outage, resumed from its committed offsets and caught up; ${scored}/${summary.devices} drivers scored`
          : `gateway dedupe fell back to memory; scorer kept committing to PostgreSQL (${rowsDuring} batch rows during the outage); ${scored}/${summary.devices} drivers scored in PostgreSQL`) +
        tenantNote(acct) +
        scorerNote(sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    if (down) await stack.restart().catch(() => undefined);
    await gw.stop();
    await sc.stop();
  }
}
