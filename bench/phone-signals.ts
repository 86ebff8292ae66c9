// Issue 17 benches. (1) Bytes per hour of driving through the SDK's real batching (5 s batches, protobuf) at the
// default phone rates: GPS 1 Hz, accelerometer 50 Hz (what crash detection needs), gyroscope 50 Hz; baseline
// in the same run: the same hour without the gyroscope. (2) Crash-to-alert latency end to end on the real servers
// (SDK -> gateway -> Kafka -> scorer -> fw.alerts.v1); baseline in the same run: a PHONE_USE alert of the same
// pipeline, which rides with the next ordinary batch. Knob: FW_BENCH_CRASHES (5).
import { createClient, MemoryStorage, type SampleRecord } from '@fleetwire/device-sdk';
import { phoneDrive, stackEnv } from '@fleetwire/test-kit';
import { crashToAlert } from './lib-crash.js';
import { percentile, report } from './lib.js';

async function bytesPerHour(gyro: boolean): Promise<number> {
  const storage = new MemoryStorage();
  const c = await createClient({
    deviceId: 'b',
    tenant: 't',
    url: 'mqtt://127.0.0.1:1',
    storage,
    batch: { intervalMs: 5000 },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  c.on('error', () => {});
  const t0 = Date.UTC(2026, 0, 1);
  let seed = 5;
  const n = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5;
  // Ten 6-minute pieces: speed varies, sensors carry noise like a phone's (±0.01 g, ±0.3 deg/s).
  let bytes = 0;
  for (let p = 0; p < 10; p++) {
    const recs = phoneDrive({
      t0: t0 + p * 360_000,
      seconds: 359.98,
      speed: (s) => 12 + 5 * Math.sin(s / 30),
      gyro: gyro ? (s) => [n() * 0.6, n() * 0.6, 3 * Math.sin(s / 10) + n() * 0.6] : undefined,
    });
    await c.record(recs as SampleRecord[]);
    await c.flush({ timeoutMs: 1 }).catch(() => undefined);
  }
  for (const b of storage.open().batches) bytes += b.bytes;
  await c.close();
  return bytes;
}

const withGyro = await bytesPerHour(true);
const without = await bytesPerHour(false);
report({
  bench: 'phone-signals',
  metric: 'bytes per hour, GPS 1 Hz + accel 50 Hz + gyro 50 Hz (5 s batches)',
  unit: 'bytes',
  value: withGyro,
  baseline: 'same hour without gyro',
  baselineValue: without,
  lowerIsBetter: true,
  note: `gyro adds ${((withGyro / without - 1) * 100).toFixed(0)} %`,
});

const n = Number(process.env.FW_BENCH_CRASHES ?? 5);
const r = await crashToAlert(stackEnv(), n);
const crash = [...r.crashMs].sort((a, b) => a - b);
const phone = [...r.phoneMs].sort((a, b) => a - b);
const note = `${n} crashes, one device each; detection on the device -> SafetyAlert read from fw.alerts.v1; each: ${r.crashMs.map((x) => x.toFixed(0)).join(', ')} ms`;
report({
  bench: 'phone-signals',
  metric: 'crash -> fw.alerts.v1 p50 (SDK, gateway, Kafka, scorer)',
  unit: 'ms',
  value: percentile(crash, 50),
  baseline: 'PHONE_USE alert riding with the next 5 s batch, p50',
  baselineValue: percentile(phone, 50),
  lowerIsBetter: true,
  note,
});
report({
  bench: 'phone-signals',
  metric: 'crash -> fw.alerts.v1 max',
  unit: 'ms',
  value: crash[crash.length - 1]!,
  baseline: 'PHONE_USE alert, max',
  baselineValue: phone[phone.length - 1]!,
  lowerIsBetter: true,
});
