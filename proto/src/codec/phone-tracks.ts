// Gyroscope and app-reported phone-state tracks (see proto/fleetwire/v1/device.proto), columnar and
// delta-encoded like the accelerometer's.
import type { fleetwire } from '../generated/fleetwire.js';
import { type GyroSample, type PhoneSample, PHONE_STATES, phoneStateName } from './samples.js';

type IGyroTrack = fleetwire.v1.IGyroTrack;
type IPhoneTrack = fleetwire.v1.IPhoneTrack;

const q = Math.round;

/** Packs gyroscope samples (ordered by time, deg/s) into a delta-encoded milli-degree/s track. */
export function packGyro(samples: readonly GyroSample[], rateHz = 0): IGyroTrack {
  const n = samples.length;
  const tD = new Array<number>(n);
  const xD = new Array<number>(n);
  const yD = new Array<number>(n);
  const zD = new Array<number>(n);
  const base = n > 0 ? q(samples[0]!.t) : 0;
  let pt = base;
  let px = 0;
  let py = 0;
  let pz = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    const t = q(s.t);
    const x = q(s.x * 1000);
    const y = q(s.y * 1000);
    const z = q(s.z * 1000);
    tD[i] = t - pt;
    xD[i] = x - px;
    yD[i] = y - py;
    zD[i] = z - pz;
    pt = t;
    px = x;
    py = y;
    pz = z;
  }
  return { baseTimeMs: base, rateHz, tDeltaMs: tD, xDeltaMdps: xD, yDeltaMdps: yD, zDeltaMdps: zD };
}

export interface GyroColumns {
  t: Float64Array;
  /** milli-degrees per second */
  xMdps: Int32Array;
  yMdps: Int32Array;
  zMdps: Int32Array;
}

export function gyroColumns(track: IGyroTrack | null | undefined): GyroColumns {
  const tD = track?.tDeltaMs ?? [];
  const n = tD.length;
  const xD = track?.xDeltaMdps ?? [];
  const yD = track?.yDeltaMdps ?? [];
  const zD = track?.zDeltaMdps ?? [];
  const cols: GyroColumns = { t: new Float64Array(n), xMdps: new Int32Array(n), yMdps: new Int32Array(n), zMdps: new Int32Array(n) };
  let t = Number(track?.baseTimeMs ?? 0);
  let x = 0;
  let y = 0;
  let z = 0;
  for (let i = 0; i < n; i++) {
    t += tD[i]!;
    x += xD[i] ?? 0;
    y += yD[i] ?? 0;
    z += zD[i] ?? 0;
    cols.t[i] = t;
    cols.xMdps[i] = x;
    cols.yMdps[i] = y;
    cols.zMdps[i] = z;
  }
  return cols;
}

export function unpackGyro(track: IGyroTrack | null | undefined): GyroSample[] {
  const c = gyroColumns(track);
  const out: GyroSample[] = new Array(c.t.length);
  for (let i = 0; i < c.t.length; i++) out[i] = { t: c.t[i]!, x: c.xMdps[i]! / 1000, y: c.yMdps[i]! / 1000, z: c.zMdps[i]! / 1000 };
  return out;
}

/** Packs app-reported phone states (ordered by time). */
export function packPhone(samples: readonly PhoneSample[]): IPhoneTrack {
  const n = samples.length;
  const tD = new Array<number>(n);
  const st = new Array<number>(n);
  const base = n > 0 ? q(samples[0]!.t) : 0;
  let pt = base;
  for (let i = 0; i < n; i++) {
    const t = q(samples[i]!.t);
    tD[i] = t - pt;
    pt = t;
    st[i] = PHONE_STATES[samples[i]!.state] ?? 0;
  }
  return { baseTimeMs: base, tDeltaMs: tD, state: st };
}

export interface PhoneColumns {
  t: Float64Array;
  /** fleetwire.v1.PhoneState numbers */
  state: Uint8Array;
}

export function phoneColumns(track: IPhoneTrack | null | undefined): PhoneColumns {
  const tD = track?.tDeltaMs ?? [];
  const n = tD.length;
  const cols: PhoneColumns = { t: new Float64Array(n), state: new Uint8Array(n) };
  let t = Number(track?.baseTimeMs ?? 0);
  for (let i = 0; i < n; i++) {
    t += tD[i]!;
    cols.t[i] = t;
    cols.state[i] = (track?.state?.[i] as number | undefined) ?? 0;
  }
  return cols;
}

export function unpackPhone(track: IPhoneTrack | null | undefined): PhoneSample[] {
  const c = phoneColumns(track);
  const out: PhoneSample[] = [];
  for (let i = 0; i < c.t.length; i++) {
    const state = phoneStateName(c.state[i]!);
    if (state) out.push({ t: c.t[i]!, state });
  }
  return out;
}
