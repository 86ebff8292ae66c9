// Scenario j: the real-time scorer scaled out by consumer group. Three scorer processes (the built CLI) in
// one group over a 6-partition topic while a simulated fleet (real SDK clients) sends through a gateway;
// one member is SIGKILLed mid-stream, a new one started later, and another SIGTERMed while the group
// rebalances for the newcomer. Then: every acknowledged sample counted once in Postgres, every partition's
// committed offset at its high watermark (lag 0, none stuck), and the database effects equal to those of one
// in-process scorer run over the same records into a schema of its own (trips, events, scores, per-batch
// summaries and every device's persisted state, compared by id and value).
import { expect } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createPgDb, migrate, type PgDb } from '@fleetwire/scoring';
import { groupLag as lagOf, lagIsZero, type PartitionLag } from '@fleetwire/test-kit';
import { sleep, stackEnv, uniq, until, type StackEnv } from '../helpers/env.js';
import { allTopics, createTopics, deleteTopics, inProcessGateway, runNames, startScorer, type RunNames } from '../helpers/pipeline.js';
import { startScorerProcess, type ScorerProcess } from '../helpers/scorer-process.js';
import { counted, fmtCount, runLoad, settle, tenantNote } from './fleet-load.js';
import { saveResult } from './results.js';

const PARTITIONS = 6;
const SESSION_MS = 10_000;

/** Every partition's committed offset for the group against its high watermark (test-kit's groupLag over a fresh admin). */
export async function groupLag(kafka: Kafka, topic: string, groupId: string): Promise<PartitionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await lagOf(admin, topic, groupId);
  } finally {
    await admin.disconnect();
  }
}

/** The scorer's database effects, comparable across runs (ids are deterministic; row order fixed). */
type Effects = Record<'trips' | 'events' | 'scores' | 'summaries' | 'states', unknown[]>;

export async function effects(db: PgDb): Promise<Effects> {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    trips:
      await q(`SELECT tenant, trip_id::text, device_id, driver_id, start_time, end_time, distance_m, duration_s, max_speed_ms, harsh_braking, harsh_acceleration,
                      harsh_cornering, speeding_s, night_s, features, risk, score, model_version FROM trips ORDER BY tenant, trip_id`),
    events: await q(
      'SELECT tenant, event_id::text, device_id, trip_id::text, time, type, duration_ms, peak, severity FROM safety_events ORDER BY tenant, event_id',
    ),
    scores: await q('SELECT tenant, score_id::text, driver_id, trip_id::text, time, risk, score, features FROM risk_scores ORDER BY tenant, score_id'),
    summaries: await q(
      'SELECT tenant, device_id, boot_id, seq, time, end_time, gps_samples, accel_samples, distance_m, max_speed_ms, late_samples FROM batch_summaries ORDER BY tenant, device_id, boot_id, seq',
    ),
    // The persisted stream state (open trip sums, detector state) of every device.
    states: await q('SELECT tenant, device_id, state::jsonb AS state, trip_open, last_t_ms FROM device_state ORDER BY tenant, device_id'),
  };
}

export async function scorerGroup(env: StackEnv = stackEnv()): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq('csg'));
  const ref: RunNames = {
    ...n,
    schema: `${n.schema}_ref`,
    group: `${n.group}-ref`,
    out: { trips: `${n.out.trips}.ref`, scores: `${n.out.scores}.ref`, alerts: `${n.out.alerts}.ref`, deadletter: `${n.out.deadletter}.ref` },
  };
  const { createKafka } = await import('@fleetwire/scoring');
  const kafka = createKafka({ brokers: env.brokers, clientId: `${n.id}-test` });
  await createTopics(kafka, [n.telemetry], PARTITIONS);
  await createTopics(kafka, [...allTopics(n).filter((t) => t !== n.telemetry), ...Object.values(ref.out)]);
  const db = await createPgDb(env.databaseUrl, { schema: n.schema });
  await migrate(db); // before the members start, so three processes do not race on the first migration
  const gw = await inProcessGateway(env, n);
  const members: ScorerProcess[] = [];
  const extra = { FW_SCORING_SESSION_TIMEOUT_MS: String(SESSION_MS) };
  let refScorer: Awaited<ReturnType<typeof startScorer>> | null = null;
  try {
    for (const name of ['s1', 's2', 's3']) members.push(await startScorerProcess(name, env, n, extra));
    const load = runLoad(`mqtt://127.0.0.1:${gw.ports.mqtt}`, n, { devices: 24, speedup: 30, simulatedMs: 15 * 60_000, drainTimeoutMs: 90_000 });
    await sleep(8_000);
    await members[0]!.kill(); // mid-stream: no commit, no leave; its partitions wait for the session timeout
    await sleep(6_000);
    const s4 = startScorerProcess('s4', env, n, extra); // joins: the group rebalances
    await sleep(1_500);
    const term = await members[1]!.term(); // graceful stop while the group rebalances for s4
    members.push(await s4);
    const summary = await load;
    const acct = await settle(db, n, summary, 90_000);
    // No partition stuck: the group's committed offsets reach every high watermark.
    let lag: PartitionLag[] = [];
    await until(
      'group lag 0 on every partition',
      async () => {
        lag = await groupLag(kafka, n.telemetry, n.group);
        return lagIsZero(lag);
      },
      60_000,
      500,
    );
    const live = members.filter((m) => m.running);
    const lagMetrics = await Promise.all(live.map((m) => m.metrics()));
    expect(term.code, `SIGTERMed member exits 0 (log: ${members[1]!.log.slice(-1500)})`).toBe(0);
    expect(summary.complete, 'every recorded sample acknowledged').toBe(true);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    expect(acct.stored).toBe(summary.sentSamples);
    expect(lag.length).toBe(PARTITIONS);
    expect(live.length).toBe(2); // s3 and s4

    // The reference: one in-process scorer over the same records, its own group and schema.
    refScorer = await startScorer(env, ref);
    expect(await refScorer.drained(90_000), 'reference scorer caught up').toBe(true);
    const [mine, theirs] = [await effects(db), await effects(refScorer.db)];
    expect(mine.summaries.length).toBe(summary.sentBatches);
    expect(mine.summaries.length).toBeGreaterThan(0);
    expect(mine.events.length + mine.trips.length, 'the load produced trips or events to compare').toBeGreaterThan(0);
    for (const k of Object.keys(theirs) as (keyof Effects)[]) expect({ table: k, rows: mine[k] }).toEqual({ table: k, rows: theirs[k] });
    // Records the survivors found already processed: work of the killed member that was committed to
    // Postgres but not yet to Kafka (or gateway resends), skipped by the claimed keys.
    const skipped = lagMetrics.reduce((a, t) => a + Number(/^fw_scoring_duplicates_total (\d+)/m.exec(t)?.[1] ?? 0), 0);
    console.log(
      `[chaos j] ${JSON.stringify({ acked: summary.sentSamples, stored: acct.stored, batches: summary.sentBatches, trips: mine.trips.length, events: mine.events.length, termMs: term.ms, lag, skipped })}`,
    );
    saveResult({
      name: 'j-scorer-group',
      title: 'Scorer consumer group: member SIGKILLed, member added, member SIGTERMed during the rebalance',
      fault: `3 scorer processes (CLI) on ${PARTITIONS} partitions; one SIGKILLed mid-stream (session timeout ${SESSION_MS / 1000} s), a 4th started, one SIGTERMed 1.5 s into that rebalance`,
      load: `${summary.devices} devices, ${fmtCount(summary.sentSamples)} samples in ${summary.sentBatches} batches`,
      faultsSurvived: 3,
      inputs: 0,
      ...counted(summary, acct),
      notes:
        `trips (${mine.trips.length}), events (${mine.events.length}), scores, ${mine.summaries.length} batch summaries and ${mine.states.length} device states equal to a single-process run over the same records; ` +
        `SIGTERMed member exited 0 in ${term.ms} ms; every partition's committed offset at its high watermark afterwards (lag 0); the 2 members left skipped ${skipped} records as already processed` +
        tenantNote(acct),
      wallMs: Date.now() - t0,
    });
  } finally {
    await Promise.all(members.map((m) => m.kill()));
    await gw.close();
    await refScorer?.stop();
    await db.exec(`DROP SCHEMA IF EXISTS ${n.schema} CASCADE`).catch(() => undefined);
    await db.close();
    await deleteTopics(kafka, [...allTopics(n), ...Object.values(ref.out)]);
  }
}
