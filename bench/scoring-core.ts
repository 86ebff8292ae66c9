// The real-time scorer's CPU path without I/O: its decode (decodeBatch: TelemetryRecord -> columns, with
// validation) and then the core (processTelemetry: trips, detection incl. phone use, features) over the
// scoring-realtime bench's fleet (BENCH_CORE_DEVICES devices x 40 records of 30 s, 1 Hz GPS + 10 Hz accel),
// fresh device states each pass, in batches of 500 as from Kafka. Baseline in the same run: the decode alone
// of the same records. The best of FW_BENCH_CORE_PASSES passes (5) each, interleaved, so a slow moment of the
// machine does not decide. This is where the scorer's CPU goes (bench/README, #19); the whole pipeline with
// Kafka and Postgres is scoring-realtime.
import { type DeviceState, decodeBatch, DEFAULT_CORE_CONFIG, newDeviceState, processTelemetry, type SourceMessage } from '@fleetwire/scoring';
import { identityKey } from '@fleetwire/proto';
import { report } from './lib.js';
import { makeFleet } from './lib-scoring-rt.js';

const devices = Number(process.env.BENCH_CORE_DEVICES ?? 300);
const passes = Number(process.env.FW_BENCH_CORE_PASSES ?? 5);
const T0 = Date.UTC(2026, 9, 1, 7);
const NOW = T0 + 86_400_000;
const B = 'scoring-core';

const fleet = makeFleet(devices, 40, T0);
const msgs: SourceMessage[] = fleet.records.map((r, i) => ({ key: Buffer.from(r.key), value: r.value, offset: String(i), timestamp: String(T0) }));
const N = msgs.length;
const chunks: SourceMessage[][] = [];
for (let i = 0; i < N; i += 500) chunks.push(msgs.slice(i, i + 500));

function decodeOnly(): number {
  let n = 0;
  for (const messages of chunks) n += decodeBatch({ topic: 't', partition: 0, messages }, NOW).items.length;
  return n;
}

function decodeAndCore(): { records: number; trips: number; events: number } {
  const states = new Map<string, DeviceState>();
  let records = 0;
  let trips = 0;
  let events = 0;
  for (const messages of chunks) {
    for (const it of decodeBatch({ topic: 't', partition: 0, messages }, NOW).items) {
      const k = identityKey(it.tenant, it.input.deviceId);
      let st = states.get(k);
      if (!st) states.set(k, (st = newDeviceState(it.tenant, it.input.deviceId)));
      const out = processTelemetry(st, it.input, DEFAULT_CORE_CONFIG);
      records++;
      trips += out.trips.length;
      events += out.events.length;
    }
  }
  return { records, trips, events };
}

const time = (fn: () => unknown): number => {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1000;
};

let bestDecode = Infinity;
let bestAll = Infinity;
let last = { records: 0, trips: 0, events: 0 };
for (let p = 0; p < passes; p++) {
  bestDecode = Math.min(bestDecode, time(() => decodeOnly()) / N);
  bestAll = Math.min(
    bestAll,
    time(() => {
      last = decodeAndCore();
    }) / N,
  );
}
if (last.records !== N) throw new Error(`${N - last.records} records rejected by the decode`);
const note = `${N} records (${devices} devices x 40 x 30 s), best of ${passes} passes each; one pass: ${last.trips} trips, ${last.events} events`;
report({
  bench: B,
  metric: 'decode + core, records/s',
  unit: 'records/s',
  value: 1e6 / bestAll,
  baseline: 'decode alone, same records',
  baselineValue: 1e6 / bestDecode,
  note,
});
report({ bench: B, metric: 'decode + core, µs per record', unit: 'µs', value: bestAll, lowerIsBetter: true, note });
report({ bench: B, metric: 'core alone (difference), µs per record', unit: 'µs', value: bestAll - bestDecode, lowerIsBetter: true, note });
