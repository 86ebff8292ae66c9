// Runs one recording as a device would send it: 30 s DeviceBatch protobufs (the wire format, with the
// posted-limit column when the recording has one) -> decode -> the scorer's core -> trips and events.
import { orientationOf } from '@fleetwire/detect';
import {
  batchColumns,
  decodeDeviceBatch,
  encodeDeviceBatch,
  packAccel,
  packGps,
  packGyro,
  phoneStateName,
  packPhone,
  type GpsSample,
  type PhoneSample,
} from '@fleetwire/proto';
import type { CoreConfig } from '../core/config.js';
import { detectConfigOf } from '../core/detect.js';
import { flushIdle, processTelemetry, type TelemetryInput } from '../core/engine.js';
import { type CompletedTrip, type DetectedEvent, type DeviceState, newDeviceState } from '../core/types.js';
import type { SpeedLimitSource } from '../core/speed-limit.js';
import { applySpeedLimits } from '../core/speed-limit.js';
import type { Recording } from './recording.js';

export interface RecordingRun {
  rec: Recording;
  trips: CompletedTrip[];
  events: DetectedEvent[];
  state: DeviceState;
  orientation: ReturnType<typeof orientationOf>;
  /** Batches the codec refused (should be 0), with the first reason. */
  rejected: number;
  firstRejection?: string;
}

const BATCH_MS = 30_000;

/**
 * A gyroscope is replayed when it samples at 10 Hz or more (median spacing <= 100 ms): the detector smooths
 * its yaw rate, which a 1 Hz track of instantaneous readings (Nebraska's) does not give (see the README).
 */
export function replayedGyro(rec: Recording): Recording['gyro'] | null {
  const g = rec.gyro;
  if (!g || g.length < 10) return null;
  const dts = g.slice(1, 201).map((x, i) => x.t - g[i]!.t);
  dts.sort((a, b) => a - b);
  return dts[Math.floor(dts.length / 2)]! <= 100 ? g : null;
}

export function toBatches(rec: Recording, deviceId: string): Uint8Array[] {
  const gy = replayedGyro(rec) ?? [];
  const t0 = Math.min(rec.gps[0]?.t ?? Infinity, rec.accel[0]?.t ?? Infinity, gy[0]?.t ?? Infinity);
  const t1 = Math.max(rec.gps[rec.gps.length - 1]?.t ?? -Infinity, rec.accel[rec.accel.length - 1]?.t ?? -Infinity, gy[gy.length - 1]?.t ?? -Infinity);
  const out: Uint8Array[] = [];
  let gi = 0;
  let ai = 0;
  let yi = 0;
  let pi = 0;
  const ph = rec.phone ?? [];
  let seq = 1;
  for (let from = t0; from <= t1; from += BATCH_MS) {
    const to = from + BATCH_MS;
    const gps: GpsSample[] = [];
    for (; gi < rec.gps.length && rec.gps[gi]!.t < to; gi++) {
      const f = rec.gps[gi]!;
      const s: GpsSample = { t: f.t, lat: f.lat, lon: f.lon };
      if (f.speed >= 0) s.speed = f.speed;
      if (f.heading >= 0) s.heading = f.heading;
      if (f.hdop > 0) s.hdop = f.hdop;
      if (f.limitKmh > 0) s.speedLimit = f.limitKmh / 3.6;
      gps.push(s);
    }
    const acc = [];
    for (; ai < rec.accel.length && rec.accel[ai]!.t < to; ai++) acc.push(rec.accel[ai]!);
    const gyr = [];
    for (; yi < gy.length && gy[yi]!.t < to; yi++) gyr.push(gy[yi]!);
    const phone: PhoneSample[] = [];
    for (; pi < ph.length && ph[pi]!.t < to; pi++) phone.push({ t: ph[pi]!.t, state: phoneStateName(ph[pi]!.state)! });
    if (gps.length === 0 && acc.length === 0 && gyr.length === 0 && phone.length === 0) continue;
    out.push(
      encodeDeviceBatch({
        deviceId,
        bootId: 'eval',
        seq: seq++,
        sentAtMs: to,
        agent: 'fleetwire-eval',
        gps: gps.length > 0 ? packGps(gps) : null,
        accel: acc.length > 0 ? packAccel(acc, 0) : null,
        gyro: gyr.length > 0 ? packGyro(gyr, 0) : null,
        phone: phone.length > 0 ? packPhone(phone) : null,
      }),
    );
  }
  return out;
}

export async function runRecording(rec: Recording, cfg: CoreConfig, limits?: SpeedLimitSource): Promise<RecordingRun> {
  const deviceId = rec.id.replace(/[^A-Za-z0-9._:-]/g, '_');
  const st = newDeviceState('eval', deviceId);
  const trips: CompletedTrip[] = [];
  const events: DetectedEvent[] = [];
  let rejected = 0;
  let firstRejection: string | undefined;
  let lastT = 0;
  for (const bytes of toBatches(rec, deviceId)) {
    const r = decodeDeviceBatch(bytes, { nowMs: Date.now() + 86_400_000 });
    if (!r.ok) {
      rejected++;
      firstRejection ??= `${r.error.code}: ${r.error.message}`;
      continue;
    }
    const c = batchColumns(r.value);
    const input: TelemetryInput = { deviceId, bootId: c.bootId, seq: c.seq, gps: c.gps, accel: c.accel, gyro: c.gyro, phone: c.phone };
    if (limits) await applySpeedLimits(input, limits);
    const o = processTelemetry(st, input, cfg);
    trips.push(...o.trips);
    events.push(...o.events);
    if (input.gps.t.length > 0) lastT = input.gps.t[input.gps.t.length - 1]!;
  }
  const f = flushIdle(st, lastT + cfg.gapMs, cfg);
  trips.push(...f.trips);
  events.push(...f.events);
  return { rec, trips, events, state: st, orientation: orientationOf(st.motion, detectConfigOf(cfg)), rejected, firstRejection };
}
