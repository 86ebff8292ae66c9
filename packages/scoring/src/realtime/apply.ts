// The body of one real-time transaction: lock device states, resolve drivers, skip processed keys, run the
// core, score completed trips, write everything. Runs for a whole log batch, or for one record at a time
// when a batch holds a record the database rejects (see scorer.ts).
import { type CoreConfig } from '../core/config.js';
import { processTelemetry } from '../core/engine.js';
import { newDeviceState, type DeviceState } from '../core/types.js';
import type { Queryable } from '../adapters/db.js';
import type { RiskModel } from '../adapters/onnx/model.js';
import type { PartitionManager } from '../adapters/pg/partitions.js';
import { type BatchWrite, claimKeys, deviceKey, keyString, loadStatesForUpdate, resolveDrivers, writeBatch } from '../adapters/pg/store.js';
import type { ScoringMetrics } from '../ops/metrics.js';
import { Collected, scoreCollected } from './collect.js';
import { FleetwireError } from '@fleetwire/runtime';
import type { Item } from './decode.js';
import type { Emission } from './emit.js';

/** A write would land in months whose partitions this process has not ensured: ensure them, then retry. */
export class MissingPartitions extends FleetwireError<'missing_partitions'> {
  override readonly name = 'MissingPartitions';
  constructor(readonly timesMs: number[]) {
    super('missing_partitions', `partitions missing for ${timesMs.length} time(s)`, { retriable: true });
  }
}

/** A record the core threw on: dead-lettered, its device state left as it was. */
export interface CoreFailure {
  item: Item;
  reason: string;
}

export interface Applied {
  outboxId: string | null;
  emission: Emission | null;
  dups: number;
  failed: CoreFailure[];
  trips: number;
  events: number;
}

export interface ApplyContext {
  cfg: CoreConfig;
  model: RiskModel;
  metrics: ScoringMetrics;
  partitions: PartitionManager;
  source: string;
}

/** Every time a BatchWrite files a row under (the partition keys of the time-series tables). */
export function writeTimes(w: BatchWrite): number[] {
  const t: number[] = [];
  for (const s of w.summaries) t.push(s.s.tStartMs);
  for (const x of w.trips) t.push(x.t.startMs);
  for (const e of w.events) t.push(e.e.tMs);
  for (const s of w.scores) t.push(s.scope === 'trip' ? s.computedAtMs : s.periodEndMs);
  return t;
}

/** Writes a collected set, after checking its partitions exist (throws MissingPartitions otherwise). */
export async function writeCollected(tx: Queryable, c: Collected, ctx: ApplyContext): Promise<{ outboxId: string | null; w: BatchWrite }> {
  const w = await scoreCollected(c, ctx.model, ctx.source, ctx.metrics);
  const times = writeTimes(w);
  if (ctx.partitions.unknownMonths(times).length > 0) throw new MissingPartitions(times);
  return { outboxId: await writeBatch(tx, w), w };
}

/**
 * One transaction's work: lock the states of the batch's devices, claim its idempotency keys (only records
 * whose key was new go on), resolve drivers, run the core record by record, score, write. A record the core
 * throws on is dead-lettered and its device's state is rebuilt as it was before that record: from the JSON
 * it was loaded as (or a new state), with the device's earlier records of this batch applied again (the
 * core is deterministic), so no copy of a state is made per record on the hot path.
 */
export async function applyItems(tx: Queryable, items: Item[], ctx: ApplyContext): Promise<Applied> {
  const refs = items.map((i) => ({ tenant: i.tenant, deviceId: i.input.deviceId }));
  const states = await loadStatesForUpdate(tx, refs);
  const fresh = await claimKeys(
    tx,
    items.map((i) => ({ tenant: i.tenant, deviceId: i.input.deviceId, bootId: i.input.bootId, seq: i.input.seq })),
    ctx.source,
  );
  const drivers = await resolveDrivers(tx, refs);
  const c = new Collected();
  const failed: CoreFailure[] = [];
  /** Records of this batch the core accepted, per device (for rebuilding a state after a throw). */
  const appliedOf = new Map<string, Item[]>();
  let dups = 0;
  for (const item of items) {
    const { tenant, input } = item;
    const key = { tenant, deviceId: input.deviceId, bootId: input.bootId, seq: input.seq };
    if (!fresh.delete(keyString(key))) {
      dups++; // processed before, or a second copy in this batch
      continue;
    }
    const dk = deviceKey(key);
    const st = c.states.get(dk) ?? states.get(dk)?.state ?? newDeviceState(tenant, input.deviceId);
    let out;
    try {
      out = processTelemetry(st, input, ctx.cfg);
    } catch (e) {
      // A record the core cannot handle must not block the partition: dead-letter it, keep the old state.
      c.states.set(dk, rebuildState(states.get(dk)?.json, tenant, input.deviceId, appliedOf.get(dk) ?? [], ctx.cfg));
      failed.push({ item, reason: (e as Error).message });
      continue;
    }
    c.states.set(dk, st);
    const mine = appliedOf.get(dk);
    if (mine) mine.push(item);
    else appliedOf.set(dk, [item]);
    if (out.duplicate) {
      dups++;
      continue;
    }
    const who = { tenant, driverId: drivers.get(dk) ?? input.deviceId };
    if (out.summary) c.summaries.push({ s: out.summary, tenant, driverId: who.driverId });
    for (const t of out.trips) c.trips.push({ t, who });
    for (const e of out.events) c.events.push({ e, who });
  }
  const { outboxId, w } = await writeCollected(tx, c, ctx);
  return { outboxId, emission: w.emission, dups, failed, trips: w.trips.length, events: w.events.length };
}

/** The state a device had before a record the core threw on: as loaded, plus its records accepted since. */
function rebuildState(json: string | undefined, tenant: string, deviceId: string, accepted: Item[], cfg: CoreConfig): DeviceState {
  const st = json === undefined ? newDeviceState(tenant, deviceId) : (JSON.parse(json) as DeviceState);
  st.tenant ??= tenant; // states persisted before schema v2
  for (const it of accepted) processTelemetry(st, it.input, cfg);
  return st;
}
