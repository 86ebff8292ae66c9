/**
 * Replay of a recorded drive: time re-based to the virtual clock, looped with a pause, and — when the
 * file has no accelerometer — an accelerometer synthesized from the GPS kinematics (longitudinal from
 * speed change, lateral from speed × yaw rate, gravity on z, sensor noise).
 */
import { angleDiffDeg, G } from './geo.js';
import { Rng } from './prng.js';
import type { RecordedTrack } from './recording.js';
import type { AccelSim, GpsSim, SampleChunk, SimSample } from './samples.js';
import { validateRates } from './drive.js';

export interface ReplayOptions {
  startMs: number;
  durationMs: number;
  chunkMs?: number;
  /** Rate of the synthesized accelerometer when the recording has none. */
  accelRateHz?: number;
  /** Repeat the recording until the duration ends (default true), with this pause between runs. */
  loop?: boolean;
  gapMs?: number;
  seed?: number | string;
  accelNoiseG?: number;
}

export function* replayDrive(track: RecordedTrack, o: ReplayOptions): Generator<SampleChunk, void, undefined> {
  if (track.gps.length === 0) throw new RangeError('recording has no GPS fixes');
  const accelHz = o.accelRateHz ?? 25;
  validateRates(accelHz, 1);
  const chunkMs = o.chunkMs ?? 10_000;
  if (!(o.durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${o.durationMs}`);
  const endMs = o.startMs + o.durationMs;
  const rng = new Rng(o.seed ?? 'replay');
  const it = replaySamples(track, o.startMs, o.loop ?? true, o.gapMs ?? 60_000, accelHz, rng, o.accelNoiseG ?? 0.012);
  let pending = it.next();
  for (let from = o.startMs; from < endMs; from += chunkMs) {
    const to = Math.min(from + chunkMs, endMs);
    const samples: SimSample[] = [];
    while (!pending.done && pending.value.t < to) {
      samples.push(pending.value);
      pending = it.next();
    }
    yield { fromMs: from, toMs: to, samples, events: [] };
    if (pending.done) break;
  }
}

function* replaySamples(track: RecordedTrack, startMs: number, loop: boolean, gapMs: number, accelHz: number, rng: Rng, noise: number): Generator<SimSample> {
  const gps = track.gps;
  const t0 = Math.min(gps[0]!.t, track.accel[0]?.t ?? Infinity);
  const t1 = Math.max(gps[gps.length - 1]!.t, track.accel[track.accel.length - 1]?.t ?? -Infinity);
  const period = t1 - t0 + Math.max(1000, gapMs);
  for (let k = 0; ; k++) {
    const shift = startMs + k * period - t0;
    const accel = track.accel.length > 0 ? recordedAccel(track, shift) : synthAccel(track, shift, accelHz, rng, noise);
    let a = accel.next();
    for (const p of gps) {
      const g: GpsSim = { kind: 'gps', ...p, t: p.t + shift };
      while (!a.done && a.value.t < g.t) {
        yield a.value;
        a = accel.next();
      }
      yield g;
    }
    while (!a.done) {
      yield a.value;
      a = accel.next();
    }
    if (!loop) return;
  }
}

function* recordedAccel(track: RecordedTrack, shift: number): Generator<AccelSim> {
  for (const s of track.accel) yield { kind: 'accel', t: s.t + shift, x: s.x, y: s.y, z: s.z };
}

function* synthAccel(track: RecordedTrack, shift: number, hz: number, rng: Rng, noise: number): Generator<AccelSim> {
  const gps = track.gps;
  const step = 1000 / hz;
  const first = gps[0]!.t;
  const last = gps[gps.length - 1]!.t;
  let i = 0;
  let lastHeading = gps[0]!.heading;
  for (let k = 0; first + k * step <= last; k++) {
    const t = first + k * step;
    while (i < gps.length - 2 && gps[i + 1]!.t <= t) i++;
    const p = gps[i]!;
    const q = gps[Math.min(i + 1, gps.length - 1)]!;
    const dt = (q.t - p.t) / 1000;
    let aLong = 0;
    let aLat = 0;
    if (dt > 0 && dt < 30) {
      const vp = p.speed ?? 0;
      const vq = q.speed ?? 0;
      aLong = (vq - vp) / dt;
      const f = (t - p.t) / (q.t - p.t);
      const v = vp + (vq - vp) * f;
      const hp = p.heading ?? lastHeading;
      const hq = q.heading ?? hp;
      if (hp !== undefined && hq !== undefined && v > 1) {
        const yaw = (angleDiffDeg(hp, hq) * Math.PI) / 180 / dt; // clockwise positive
        aLat = -v * yaw; // y axis points left
      }
      if (p.heading !== undefined) lastHeading = p.heading;
    }
    aLong = Math.max(-1.2 * G, Math.min(1.2 * G, aLong));
    aLat = Math.max(-1.2 * G, Math.min(1.2 * G, aLat));
    yield {
      kind: 'accel',
      t: Math.round(t + shift),
      x: Math.round((aLong / G + noise * rng.normal()) * 1e4) / 1e4,
      y: Math.round((aLat / G + noise * rng.normal()) * 1e4) / 1e4,
      z: Math.round((1 + 1.5 * noise * rng.normal()) * 1e4) / 1e4,
    };
  }
}
