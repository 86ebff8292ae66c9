// On-edge event detection. Pure state machines fed with quantised samples (milli-g, cm/s, 1e-7 deg).
// Accelerometer axes: device frame, x forward, y left (mount the device aligned with the vehicle).
import { fleetwire, type EdgeEventValues } from '@fleetwire/proto';
import type { ResolvedDetection } from './config.js';

const ET = fleetwire.v1.EventType;

export type EdgeEventRow = EdgeEventValues;

interface Channel {
  type: number;
  threshold: number;
  sign: 1 | -1 | 0; // 0 = absolute value (cornering)
  start: number; // -1 when idle
  last: number;
  peak: number;
}

const GAP_MS = 5000;
const MAX_EVENT_MS = 15_000;
const HYSTERESIS = 0.8;

/** Last known GPS position, shared by the detectors to tag events. */
export interface Fix {
  latE7: number;
  lonE7: number;
  speedCms: number;
}

/**
 * Harsh braking / acceleration / cornering from the accelerometer. Gravity (and mounting tilt) is removed
 * with a first-order low-pass estimate per axis; the estimate is frozen while an exceedance is active so
 * a long braking manoeuvre is not absorbed into it.
 */
export class HarshDetector {
  private gx = 0;
  private gy = 0;
  private gz = 0;
  private lastT = -1;
  private warmUntil = 0;
  private readonly ch: Channel[];

  constructor(private cfg: ResolvedDetection) {
    this.ch = [
      { type: ET.EVENT_TYPE_HARSH_BRAKING, threshold: cfg.harshBrakingMg, sign: -1, start: -1, last: 0, peak: 0 },
      { type: ET.EVENT_TYPE_HARSH_ACCELERATION, threshold: cfg.harshAccelerationMg, sign: 1, start: -1, last: 0, peak: 0 },
      { type: ET.EVENT_TYPE_HARSH_CORNERING, threshold: cfg.harshCorneringMg, sign: 0, start: -1, last: 0, peak: 0 },
    ];
  }

  setThresholds(brakingMg: number, accelerationMg: number, corneringMg: number): void {
    this.ch[0]!.threshold = brakingMg;
    this.ch[1]!.threshold = accelerationMg;
    this.ch[2]!.threshold = corneringMg;
  }

  /** Feeds one sample; pushes finished events into `out`. */
  push(t: number, x: number, y: number, z: number, fix: Fix, out: EdgeEventRow[]): void {
    const dt = t - this.lastT;
    if (this.lastT < 0 || dt > GAP_MS || dt < 0) {
      for (const c of this.ch) this.finish(c, fix, out);
      this.gx = x;
      this.gy = y;
      this.gz = z;
      this.lastT = t;
      this.warmUntil = t + this.cfg.gravityTimeConstantMs;
      return;
    }
    this.lastT = t;
    const lx = x - this.gx;
    const ly = y - this.gy;
    const active = this.ch[0]!.start >= 0 || this.ch[1]!.start >= 0 || this.ch[2]!.start >= 0;
    if (!active) {
      const a = dt / (this.cfg.gravityTimeConstantMs + dt);
      this.gx += a * (x - this.gx);
      this.gy += a * (y - this.gy);
      this.gz += a * (z - this.gz);
    }
    if (t < this.warmUntil) return;
    this.step(this.ch[0]!, t, -lx, fix, out);
    this.step(this.ch[1]!, t, lx, fix, out);
    this.step(this.ch[2]!, t, Math.abs(ly), fix, out);
  }

  private step(c: Channel, t: number, value: number, fix: Fix, out: EdgeEventRow[]): void {
    if (c.start < 0) {
      if (value >= c.threshold) {
        c.start = t;
        c.last = t;
        c.peak = value;
      }
      return;
    }
    if (value >= c.threshold * HYSTERESIS && t - c.start < MAX_EVENT_MS) {
      if (value >= c.threshold) c.last = t;
      if (value > c.peak) c.peak = value;
      return;
    }
    this.finish(c, fix, out);
  }

  private finish(c: Channel, fix: Fix, out: EdgeEventRow[]): void {
    if (c.start < 0) return;
    const duration = c.last - c.start;
    if (duration >= this.cfg.minDurationMs) {
      out.push({ type: c.type, tMs: c.start, durationMs: duration, peak: Math.round(c.peak), latE7: fix.latE7, lonE7: fix.lonE7, speedCms: Math.max(0, fix.speedCms) });
    }
    c.start = -1;
    c.peak = 0;
  }
}

/** Trip start/end and speeding from GPS speed, with hold times so short stops or spikes do not split trips. */
export class TripDetector {
  inTrip = false;
  private moveSince = -1;
  private moveFix: Fix | null = null;
  private stopSince = -1;
  private stopFix: Fix | null = null;
  private speedSince = -1;
  private speedPeak = 0;
  private speedFix: Fix | null = null;
  private speedLast = 0;
  private speedLimitCms: number;

  constructor(private cfg: ResolvedDetection) {
    this.speedLimitCms = Math.round(cfg.speedLimit * 100);
  }

  setSpeedLimitCms(cms: number): void {
    this.speedLimitCms = cms;
  }

  push(t: number, fix: Fix, out: EdgeEventRow[]): void {
    const v = fix.speedCms;
    if (v < 0) return;
    const startCms = this.cfg.tripStartSpeed * 100;
    const stopCms = this.cfg.tripStopSpeed * 100;
    if (!this.inTrip) {
      if (v >= startCms) {
        if (this.moveSince < 0) {
          this.moveSince = t;
          this.moveFix = { ...fix };
        }
        if (t - this.moveSince >= this.cfg.tripStartHoldMs) {
          this.inTrip = true;
          this.stopSince = -1;
          out.push(ev(ET.EVENT_TYPE_TRIP_START, this.moveSince, 0, 0, this.moveFix!));
        }
      } else this.moveSince = -1;
    } else if (v < stopCms) {
      if (this.stopSince < 0) {
        this.stopSince = t;
        this.stopFix = { ...fix };
      }
      if (t - this.stopSince >= this.cfg.tripStopHoldMs) {
        this.inTrip = false;
        this.moveSince = -1;
        out.push(ev(ET.EVENT_TYPE_TRIP_END, this.stopSince, 0, 0, this.stopFix!));
      }
    } else this.stopSince = -1;
    this.speeding(t, fix, out);
  }

  private speeding(t: number, fix: Fix, out: EdgeEventRow[]): void {
    const lim = this.speedLimitCms;
    if (lim > 0 && fix.speedCms > lim) {
      if (this.speedSince < 0) {
        this.speedSince = t;
        this.speedPeak = 0;
        this.speedFix = { ...fix };
      }
      this.speedPeak = Math.max(this.speedPeak, fix.speedCms - lim);
      this.speedLast = t;
      return;
    }
    if (this.speedSince >= 0 && this.speedLast - this.speedSince >= this.cfg.speedingHoldMs) {
      out.push(ev(ET.EVENT_TYPE_SPEEDING, this.speedSince, this.speedLast - this.speedSince, this.speedPeak, this.speedFix!));
    }
    this.speedSince = -1;
  }
}

function ev(type: number, tMs: number, durationMs: number, peak: number, f: Fix): EdgeEventRow {
  return { type, tMs, durationMs, peak, latE7: f.latE7, lonE7: f.lonE7, speedCms: Math.max(0, f.speedCms) };
}
