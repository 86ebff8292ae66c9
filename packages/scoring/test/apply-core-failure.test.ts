// applyItems when the core throws on one record of a batch (PGlite): the record is reported failed, its key
// stays claimed, and the device's state is what the other records alone make of it: rebuilt from the state
// it was loaded with plus the records the core accepted before the failure, then carried on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type RiskModel } from '../src/adapters/onnx/model.js';
import { migrate } from '../src/adapters/pg/migrate.js';
import { PartitionManager } from '../src/adapters/pg/partitions.js';
import { createPgliteDb, type PgliteDb } from '../src/adapters/pglite/db.js';
import { commutePhases, newDeviceState, processTelemetry, resolveCoreConfig, simulateDrive, type DeviceState, type TelemetryInput } from '../src/core/index.js';
import { applyItems } from '../src/realtime/apply.js';
import type { Item } from '../src/realtime/decode.js';
import { ScoringMetrics } from '../src/ops/metrics.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const cfg = resolveCoreConfig({});
let db: PgliteDb;
let model: RiskModel;

beforeAll(async () => {
  db = await createPgliteDb();
  await migrate(db);
  await new PartitionManager(db).ensureFor([T0, T0 + 86_400_000]);
  model = await loadModel('1.0.0');
}, 60_000);
afterAll(async () => {
  await model?.close();
  await db?.close();
});

const item = (input: TelemetryInput): Item => ({ tenant: 'acme', input, source: `t/0/${input.seq}`, payload: Buffer.alloc(0) });
/**
 * A record the core throws on after it has already changed the state (it remembers the key, then reads an
 * accelerometer column that is missing), so a state that is not rebuilt would differ.
 */
const broken = (seq: number, gps: TelemetryInput['gps']): TelemetryInput => ({
  deviceId: 'dev-1',
  bootId: 'boot-1',
  seq,
  gps,
  accel: { t: Float64Array.of(0) } as never,
  eventT: [],
});

async function stateOf(device: string): Promise<DeviceState> {
  const { rows } = await db.query<{ state: string }>('SELECT state::text AS state FROM device_state WHERE tenant = $1 AND device_id = $2', ['acme', device]);
  return JSON.parse(rows[0]!.state) as DeviceState;
}

describe('applyItems with a record the core throws on', () => {
  it('dead-letters that record only; the state is as if it never came, in the same and in a later batch', async () => {
    const drive = simulateDrive({ deviceId: 'dev-1', startMs: T0, phases: commutePhases({ harsh: true }) });
    const [a, b, c, d] = drive;
    const ctx = { cfg, model, metrics: new ScoringMetrics(), partitions: new PartitionManager(db), source: 't/0' };
    await ctx.partitions.ensureFor([T0, T0 + 86_400_000]);

    // Batch 1: a, b, then a broken record, then c. Batch 2: another broken record first, then d.
    const r1 = await db.transaction((tx) => applyItems(tx, [item(a!), item(b!), item(broken(900, a!.gps)), item(c!)], ctx));
    expect(r1.failed.map((f) => f.item.input.seq)).toEqual([900]);
    const r2 = await db.transaction((tx) => applyItems(tx, [item(broken(901, a!.gps)), item(d!)], ctx));
    expect(r2.failed.map((f) => f.item.input.seq)).toEqual([901]);

    const expected = newDeviceState('acme', 'dev-1');
    for (const x of [a!, b!, c!, d!]) processTelemetry(expected, x, cfg);
    expect(await stateOf('dev-1')).toEqual(JSON.parse(JSON.stringify(expected)));

    // The failed records' keys are claimed: a replay of them is a duplicate, not a second dead letter.
    const r3 = await db.transaction((tx) => applyItems(tx, [item(broken(900, a!.gps)), item(broken(901, a!.gps))], ctx));
    expect(r3.failed).toEqual([]);
    expect(r3.dups).toBe(2);
    const n = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM batch_summaries WHERE device_id = 'dev-1'")).rows[0]!.n;
    expect(n).toBe(4);
  });
});
