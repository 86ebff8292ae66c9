// Figures of an evaluation run: per recording and per data set. Pure (numbers in, numbers and text out).
import { EV } from '../core/types.js';
import type { RecordingRun } from './pipeline.js';
import { phoneUseFigures, type PhoneUseFigures } from './phone-labels.js';
import { manoeuvreFigures, type ManoeuvreFigures } from './manoeuvres.js';

export interface TripScore {
  score: number;
  factors: Record<string, number>;
}

export interface RecordingFigures {
  id: string;
  set: string;
  label?: string;
  driver?: string;
  trips: number;
  km: number;
  minutes: number;
  /** Harsh events per 100 km by type, and how many came from the IMU (vs GPS). */
  braking100: number;
  accel100: number;
  corner100: number;
  events: { braking: number; acceleration: number; cornering: number; speeding: number; imu: number; gps: number };
  /** Largest harsh-event peak (milli-g): must be something a car can do. */
  maxPeakMg: number;
  /** Speeding seconds against posted limits / against defaults; seconds with a posted limit known. */
  speedingPostedS: number;
  speedingDefaultS: number;
  postedLimitS: number;
  /** Distance-weighted trip score and factors (when a model is given). */
  score: number | null;
  factors: Record<string, number>;
  orientation: {
    confident: boolean;
    quality: number;
    forward: number[] | null;
    up: number[] | null;
    convergedAfterS: number | null;
    mountChanges: number;
  } | null;
  gpsCleaning: { speedSpikes: number; courseSpikes: number; poorHdop: number; rejectedImplausible: number };
  reference?: Record<string, number>;
  rejectedBatches: number;
  /** Recordings with phone-use labels (NDS-BR): labelled vs counted seconds of use while moving. */
  phoneUse?: PhoneUseFigures;
  /** Recordings with manoeuvre labels (manoeuvres.csv): right type per labelled manoeuvre. */
  manoeuvres?: ManoeuvreFigures;
  /** Harsh events without a trip (a recording without GPS). */
  tripless: number;
  /** Each trip's additive sums (training/calibrate reads these). */
  tripSums: import('../core/features.js').TripSums[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export function figures(run: RecordingRun, scores: TripScore[]): RecordingFigures {
  const km = run.trips.reduce((s, t) => s + t.sums.distance_m, 0) / 1000;
  const minutes = run.trips.reduce((s, t) => s + t.sums.duration_s, 0) / 60;
  const harsh = run.events.filter((e) => e.type !== EV.SPEEDING && e.type !== EV.PHONE_USE && e.type !== EV.CRASH);
  const count = (type: number) => run.events.filter((e) => e.type === type).length;
  const per100 = (n: number) => (km > 0 ? (n / km) * 100 : 0);
  const w = run.trips.map((t) => t.sums.distance_m);
  const wsum = w.reduce((a, b) => a + b, 0);
  let score: number | null = null;
  const factors: Record<string, number> = {};
  if (scores.length === run.trips.length && scores.length > 0 && wsum > 0) {
    score = r1(scores.reduce((s, x, i) => s + x.score * w[i]!, 0) / wsum);
    for (const k of Object.keys(scores[0]!.factors)) factors[k] = r1(scores.reduce((s, x, i) => s + (x.factors[k] ?? 0) * w[i]!, 0) / wsum);
  }
  const o = run.orientation;
  const hasImu = run.rec.accel.length > 0;
  const posted = run.trips.reduce((s, t) => s + (t.sums.speeding_posted_s ?? 0), 0);
  const all = run.trips.reduce((s, t) => s + t.sums.speeding_s, 0);
  const f: RecordingFigures = {
    id: run.rec.id,
    set: run.rec.set,
    trips: run.trips.length,
    km: r1(km),
    minutes: r1(minutes),
    braking100: r1(per100(count(EV.HARSH_BRAKING))),
    accel100: r1(per100(count(EV.HARSH_ACCELERATION))),
    corner100: r1(per100(count(EV.HARSH_CORNERING))),
    events: {
      braking: count(EV.HARSH_BRAKING),
      acceleration: count(EV.HARSH_ACCELERATION),
      cornering: count(EV.HARSH_CORNERING),
      speeding: count(EV.SPEEDING),
      imu: harsh.filter((e) => e.source === 'imu').length,
      gps: harsh.filter((e) => e.source === 'gps').length,
    },
    maxPeakMg: harsh.reduce((m, e) => Math.max(m, e.peak), 0),
    speedingPostedS: Math.round(posted),
    speedingDefaultS: Math.round(all - posted),
    postedLimitS: Math.round(run.trips.reduce((s, t) => s + (t.sums.posted_limit_s ?? 0), 0)),
    score,
    factors,
    orientation: hasImu
      ? {
          confident: o.confident,
          quality: Math.round(o.quality * 1000) / 1000,
          forward: o.forward ? o.forward.map((x) => Math.round(x * 1000) / 1000) : null,
          up: o.up ? o.up.map((x) => Math.round(x * 1000) / 1000) : null,
          convergedAfterS: o.confidentSince >= 0 ? r1((o.confidentSince - o.startedAt) / 1000) : null,
          mountChanges: o.mountChanges,
        }
      : null,
    gpsCleaning: {
      speedSpikes: run.state.motion.gps.speedSpikes,
      courseSpikes: run.state.motion.gps.courseSpikes,
      poorHdop: run.state.motion.gps.poorHdop,
      rejectedImplausible: run.state.motion.rejected.gps + run.state.motion.rejected.imu,
    },
    rejectedBatches: run.rejected,
    tripless: harsh.filter((e) => e.tripId === null).length,
    tripSums: run.trips.map((t) => t.sums),
  };
  const pu = phoneUseFigures(
    run.rec,
    run.events.filter((e) => e.type === EV.PHONE_USE),
  );
  if (pu) f.phoneUse = pu;
  const mf = manoeuvreFigures(run.rec.manoeuvres, run.events);
  if (mf) f.manoeuvres = mf;
  if (run.rec.label) f.label = run.rec.label;
  if (run.rec.driver) f.driver = run.rec.driver;
  if (run.rec.reference) f.reference = run.rec.reference;
  return f;
}

/** Yaw of the forward axis in the horizontal plane, degrees from the device axis chosen as reference. */
export function yawDeg(fwd: number[] | null, up: number[] | null): number | null {
  if (!fwd || !up) return null;
  // Reference: device x projected on the horizontal plane (or y when x is nearly vertical).
  const ax = Math.abs(up[0]!) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const k = ax[0]! * up[0]! + ax[1]! * up[1]! + ax[2]! * up[2]!;
  const e1 = [ax[0]! - k * up[0]!, ax[1]! - k * up[1]!, ax[2]! - k * up[2]!];
  const n = Math.hypot(e1[0]!, e1[1]!, e1[2]!);
  const e1n = e1.map((x) => x / n);
  const e2 = [up[1]! * e1n[2]! - up[2]! * e1n[1]!, up[2]! * e1n[0]! - up[0]! * e1n[2]!, up[0]! * e1n[1]! - up[1]! * e1n[0]!];
  const c = fwd[0]! * e1n[0]! + fwd[1]! * e1n[1]! + fwd[2]! * e1n[2]!;
  const s = fwd[0]! * e2[0]! + fwd[1]! * e2[1]! + fwd[2]! * e2[2]!;
  return Math.round((Math.atan2(s, c) * 180) / Math.PI);
}

export function formatTable(rows: RecordingFigures[]): string {
  const head = [
    'recording',
    'trips',
    'km',
    'brake/100km',
    'accel/100km',
    'corner/100km',
    'imu/gps ev',
    'max mg',
    'speed s posted/default',
    'score',
    'factors',
    'mount yaw',
    'conv s',
  ];
  const lines = [head.join('\t')];
  for (const r of rows) {
    const fac = Object.entries(r.factors)
      .map(([k, v]) => `${k.slice(0, 5)} ${v}`)
      .join(' ');
    lines.push(
      [
        r.id + (r.label ? ` (${r.label})` : ''),
        r.trips,
        r.km,
        r.braking100,
        r.accel100,
        r.corner100,
        `${r.events.imu}/${r.events.gps}`,
        r.maxPeakMg,
        `${r.speedingPostedS}/${r.speedingDefaultS}`,
        r.score ?? '-',
        fac || '-',
        r.orientation ? (yawDeg(r.orientation.forward, r.orientation.up) ?? '-') : 'no imu',
        r.orientation?.convergedAfterS ?? '-',
      ].join('\t'),
    );
  }
  return lines.join('\n');
}
