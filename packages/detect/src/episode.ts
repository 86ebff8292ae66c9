// Episodes: a condition over threshold from its start to its end, counted once, with a peak.
import type { DetectConfig } from './config.js';

/** fleetwire.v1.EventType numbers (plain numbers: this package depends on nothing). */
export const EVENT = Object.freeze({ HARSH_BRAKING: 1, HARSH_ACCELERATION: 2, HARSH_CORNERING: 3, SPEEDING: 4, CRASH: 7, PHONE_USE: 8 });

export type Severity = 'low' | 'medium' | 'high';

/** Where an event's evidence came from: vehicle-frame accelerometer, or GPS speed/course. */
export type EventSource = 'imu' | 'gps' | 'app';
/** Evidence of an open harsh/speeding episode. */
export type EpisodeSource = 'imu' | 'gps';

/** A finished episode. peak: milli-g (harsh), cm/s over the limit (speeding). */
export interface MotionEvent {
  type: number;
  startT: number;
  endT: number;
  peak: number;
  severity: Severity;
  source: EventSource;
  latE7: number;
  lonE7: number;
  speedCms: number;
  /** Speeding only: the limit (cm/s) and whether it was posted (from the data or a source) or a road-type default. */
  limitCms?: number;
  limitKind?: 'posted' | 'default';
  /** Crash only: the impact. */
  crash?: CrashDetail;
  /** Phone use only: in-use time while moving (ms) and evidence bits (1 app, 2 call, 4 IMU; also `peak`). */
  phone?: { movingMs: number; bits: number };
}

export interface CrashDetail {
  peakMg: number;
  deltaVCms: number;
  /** Vehicle frame, degrees (0 forward, 90 left, 180 = a frontal impact), -1 unknown mount. */
  directionDeg: number;
  preSpeedCms: number;
  postSpeedCms: number;
  pulseMs: number;
  /** When the stop confirmed it. */
  confirmT: number;
}

/** An episode in progress (plain JSON: part of the persisted state). */
export interface OpenEpisode {
  type: number;
  source: EpisodeSource;
  startT: number;
  lastT: number;
  peak: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
  limitCms?: number;
  limitKind?: 'posted' | 'default';
}

export function severityOf(type: number, peak: number, cfg: DetectConfig): Severity {
  const [m, h] =
    type === EVENT.HARSH_BRAKING
      ? [cfg.brakingMediumMg, cfg.brakingHighMg]
      : type === EVENT.HARSH_ACCELERATION
        ? [cfg.accelerationMediumMg, cfg.accelerationHighMg]
        : type === EVENT.HARSH_CORNERING
          ? [cfg.corneringMediumMg, cfg.corneringHighMg]
          : [0, 0];
  if (type === EVENT.SPEEDING) return peak < 278 ? 'low' : peak < 556 ? 'medium' : 'high'; // < 10, < 20, >= 20 km/h over
  return peak < m ? 'low' : peak < h ? 'medium' : 'high';
}

export const thresholdOf = (type: number, cfg: DetectConfig): number =>
  type === EVENT.HARSH_BRAKING ? cfg.harshBrakingMg : type === EVENT.HARSH_ACCELERATION ? cfg.harshAccelerationMg : cfg.harshCorneringMg;

export const plausibleMaxOf = (type: number, cfg: DetectConfig): number =>
  type === EVENT.HARSH_BRAKING ? cfg.maxBrakingMg : type === EVENT.HARSH_ACCELERATION ? cfg.maxAccelerationMg : cfg.maxCorneringMg;

export const finish = (ep: OpenEpisode, cfg: DetectConfig, endT = ep.lastT): MotionEvent => {
  const e: MotionEvent = {
    type: ep.type,
    startT: ep.startT,
    endT,
    peak: Math.round(ep.peak),
    severity: severityOf(ep.type, ep.peak, cfg),
    source: ep.source,
    latE7: ep.latE7,
    lonE7: ep.lonE7,
    speedCms: ep.speedCms,
  };
  if (ep.limitCms !== undefined) e.limitCms = ep.limitCms;
  if (ep.limitKind !== undefined) e.limitKind = ep.limitKind;
  return e;
};
