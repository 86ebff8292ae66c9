// Columnar, delta-encoded tracks (see proto/fleetwire/v1/device.proto).
import type { fleetwire } from '../generated/fleetwire.js';
import { type AccelSample, E7, type GpsSample } from './samples.js';

type IGpsTrack = fleetwire.v1.IGpsTrack;
type IAccelTrack = fleetwire.v1.IAccelTrack;

const q = Math.round;

/** Packs GPS samples (ordered by time) into a delta-encoded track. */
export function packGps(samples: readonly GpsSample[]): IGpsTrack {
  const n = samples.length;
  const tD = new Array<number>(n);
  const latD = new Array<number>(n);
  const lonD = new Array<number>(n);
  const speed = new Array<number>(n);
  const heading = new Array<number>(n);
  const hdop = new Array<number>(n);
  const alt = new Array<number>(n);
  const limit = new Array<number>(n);
  let anyLimit = false;
  const base = n > 0 ? q(samples[0]!.t) : 0;
  let pt = base;
  let plat = 0;
  let plon = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    const t = q(s.t);
    const lat = q(s.lat * E7);
    const lon = q(s.lon * E7);
    tD[i] = t - pt;
    latD[i] = lat - plat;
    lonD[i] = lon - plon;
    pt = t;
    plat = lat;
    plon = lon;
    speed[i] = s.speed === undefined || s.speed < 0 ? -1 : q(s.speed * 100);
    heading[i] = s.heading === undefined || s.heading < 0 ? -1 : q(s.heading * 100) % 36000;
    hdop[i] = s.hdop === undefined ? 0 : q(s.hdop * 100);
    alt[i] = s.alt === undefined ? 0 : q(s.alt * 10);
    limit[i] = s.speedLimit === undefined || !(s.speedLimit > 0) ? 0 : q(s.speedLimit * 100);
    if (limit[i]! > 0) anyLimit = true;
  }
  const track: IGpsTrack = {
    baseTimeMs: base,
    tDeltaMs: tD,
    latDeltaE7: latD,
    lonDeltaE7: lonD,
    speedCms: speed,
    headingCdeg: heading,
    hdopC: hdop,
    altDm: alt,
  };
  // The column is optional: left out when no fix has a limit, so such batches encode as before.
  if (anyLimit) track.speedLimitCms = limit;
  return track;
}

/** Absolute columns of a GPS track. Lengths are equal once validated. */
export interface GpsColumns {
  t: Float64Array;
  latE7: Int32Array;
  lonE7: Int32Array;
  /** cm/s, -1 unknown */
  speedCms: Int32Array;
  headingCdeg: Int32Array;
  hdopC: Int32Array;
  altDm: Int32Array;
  /** Posted limit cm/s, 0 unknown; all zeros when the track has no limit column. */
  speedLimitCms: Int32Array;
}

export function gpsColumns(track: IGpsTrack | null | undefined): GpsColumns {
  const tD = track?.tDeltaMs ?? [];
  const n = tD.length;
  const cols: GpsColumns = {
    t: new Float64Array(n),
    latE7: new Int32Array(n),
    lonE7: new Int32Array(n),
    speedCms: Int32Array.from(track?.speedCms ?? []),
    headingCdeg: Int32Array.from(track?.headingCdeg ?? []),
    hdopC: Int32Array.from(track?.hdopC ?? []),
    altDm: Int32Array.from(track?.altDm ?? []),
    speedLimitCms: track?.speedLimitCms?.length ? Int32Array.from(track.speedLimitCms) : new Int32Array(n),
  };
  const latD = track?.latDeltaE7 ?? [];
  const lonD = track?.lonDeltaE7 ?? [];
  let t = Number(track?.baseTimeMs ?? 0);
  let lat = 0;
  let lon = 0;
  for (let i = 0; i < n; i++) {
    t += tD[i]!;
    lat += latD[i] ?? 0;
    lon += lonD[i] ?? 0;
    cols.t[i] = t;
    cols.latE7[i] = lat;
    cols.lonE7[i] = lon;
  }
  return cols;
}

export function unpackGps(track: IGpsTrack | null | undefined): GpsSample[] {
  const c = gpsColumns(track);
  const out: GpsSample[] = new Array(c.t.length);
  for (let i = 0; i < c.t.length; i++) {
    const s: GpsSample = { t: c.t[i]!, lat: c.latE7[i]! / E7, lon: c.lonE7[i]! / E7 };
    const sp = c.speedCms[i] ?? -1;
    if (sp >= 0) s.speed = sp / 100;
    const h = c.headingCdeg[i] ?? -1;
    if (h >= 0) s.heading = h / 100;
    const hd = c.hdopC[i] ?? 0;
    if (hd > 0) s.hdop = hd / 100;
    const a = c.altDm[i] ?? 0;
    if (a !== 0) s.alt = a / 10;
    const lim = c.speedLimitCms[i] ?? 0;
    if (lim > 0) s.speedLimit = lim / 100;
    out[i] = s;
  }
  return out;
}

/** Packs accelerometer samples (ordered by time, in g) into a delta-encoded milli-g track. */
export function packAccel(samples: readonly AccelSample[], rateHz = 0): IAccelTrack {
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
  return { baseTimeMs: base, rateHz, tDeltaMs: tD, xDeltaMg: xD, yDeltaMg: yD, zDeltaMg: zD };
}

export interface AccelColumns {
  t: Float64Array;
  xMg: Int32Array;
  yMg: Int32Array;
  zMg: Int32Array;
}

export function accelColumns(track: IAccelTrack | null | undefined): AccelColumns {
  const tD = track?.tDeltaMs ?? [];
  const n = tD.length;
  const xD = track?.xDeltaMg ?? [];
  const yD = track?.yDeltaMg ?? [];
  const zD = track?.zDeltaMg ?? [];
  const cols: AccelColumns = { t: new Float64Array(n), xMg: new Int32Array(n), yMg: new Int32Array(n), zMg: new Int32Array(n) };
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
    cols.xMg[i] = x;
    cols.yMg[i] = y;
    cols.zMg[i] = z;
  }
  return cols;
}

export function unpackAccel(track: IAccelTrack | null | undefined): AccelSample[] {
  const c = accelColumns(track);
  const out: AccelSample[] = new Array(c.t.length);
  for (let i = 0; i < c.t.length; i++) out[i] = { t: c.t[i]!, x: c.xMg[i]! / 1000, y: c.yMg[i]! / 1000, z: c.zMg[i]! / 1000 };
  return out;
}
