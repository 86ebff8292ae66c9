// On-edge event detection. Pure state machines fed with quantised samples (milli-g, cm/s, 1e-7 deg).
// Accelerometer axes: device frame, any mount (the orientation is estimated from the data).
import {
  CRASH_SENSITIVITY,
  DEFAULT_DETECT_CONFIG,
  type CrashDetail,
  type DetectConfig,
  declareGyroHandedness,
  detectAccel,
  detectFix,
  detectGyro,
  detectPhone,
  type MotionEvent,
  type MotionState,
  newMotionState,
  orientationOf,
  resolveDetectConfig,
} from '@fleetwire/detect';
import { fleetwire, type EdgeEventValues } from '@fleetwire/proto';
import { type ResolvedDetection } from './config.js';

const ET = fleetwire.v1.EventType;

/** An edge event as the outbox stores it; a CRASH also carries its impact detail (its window is added by EdgeDetector). */
export type EdgeEventRow = EdgeEventValues & { crash?: CrashDetail };

/** Last known GPS position, shared by the detectors to tag events. */
export interface Fix {
  latE7: number;
  lonE7: number;
  speedCms: number;
}

/**
 * Harsh braking / acceleration / cornering: the shared detection core (@fleetwire/detect), the same code the
 * scorer runs. The device can be mounted any way: gravity comes from a low-pass filter and the forward axis
 * from the accelerometer correlated with GPS speed and course changes; until that estimate is trusted (or
 * without an accelerometer) events come from GPS speed and course, cleaned of single-fix spikes.
 */
export class HarshDetector {
  private st: MotionState = newMotionState();
  private cfg: DetectConfig;
  private readonly evs: MotionEvent[] = [];

  constructor(c: ResolvedDetection) {
    this.base = c;
    this.cfg = HarshDetector.configOf(c);
    this.declare();
  }

  /**
   * A declared gyroscope handedness wins over a learnt (or restored) one. A left-handed sensor's samples are
   * turned right-handed when recorded (core/samples.ts), so what this detector, the outbox and the scorer see is
   * right-handed either way.
   */
  private declare(): void {
    if (this.base.gyroHandedness !== 'learn') declareGyroHandedness(this.st.imu, 1);
  }

  /** The detection core's state (what the client persists: mount, handedness, open episodes). */
  get motion(): MotionState {
    return this.st;
  }

  /** Continues from a persisted state (core/detection-state.ts decoded it). */
  restore(m: MotionState): void {
    this.st = m;
    this.declare();
  }

  private static configOf(c: ResolvedDetection, t?: { b: number; a: number; c: number }): DetectConfig {
    const crash = c.crash;
    const preset = CRASH_SENSITIVITY[crash?.sensitivity ?? 'normal'];
    const b = t?.b ?? c.harshBrakingMg;
    const a = t?.a ?? c.harshAccelerationMg;
    const k = t?.c ?? c.harshCorneringMg;
    const D = DEFAULT_DETECT_CONFIG;
    const up = (x: number, y: number) => Math.max(x, y);
    return resolveDetectConfig({
      harshBrakingMg: b,
      harshAccelerationMg: a,
      harshCorneringMg: k,
      brakingMediumMg: up(D.brakingMediumMg, b),
      brakingHighMg: up(D.brakingHighMg, b),
      maxBrakingMg: up(D.maxBrakingMg, b),
      accelerationMediumMg: up(D.accelerationMediumMg, a),
      accelerationHighMg: up(D.accelerationHighMg, a),
      maxAccelerationMg: up(D.maxAccelerationMg, a),
      corneringMediumMg: up(D.corneringMediumMg, k),
      corneringHighMg: up(D.corneringHighMg, k),
      maxCorneringMg: up(D.maxCorneringMg, k),
      minImuEventMs: c.minDurationMs,
      gravityTauMs: c.gravityTimeConstantMs,
      crashDetection: crash ? 1 : 0,
      ...preset,
      crashImpactMg: crash?.impactMg ?? preset.crashImpactMg,
      crashMinSpeedKmh: crash?.minSpeedKmh ?? D.crashMinSpeedKmh,
      crashStopWithinMs: crash?.stopWithinMs ?? D.crashStopWithinMs,
      phoneMinSpeedMs: c.phoneUse?.minSpeedMs ?? D.phoneMinSpeedMs,
      phoneMinUseMs: c.phoneUse?.minUseMs ?? D.phoneMinUseMs,
    });
  }

  private readonly base: ResolvedDetection;

  setThresholds(brakingMg: number, accelerationMg: number, corneringMg: number): void {
    this.cfg = HarshDetector.configOf(this.base, { b: brakingMg, a: accelerationMg, c: corneringMg });
  }

  /** Feeds one gyroscope sample (milli-deg/s, device frame). */
  pushGyro(t: number, x: number, y: number, z: number, out: EdgeEventRow[]): void {
    detectGyro(this.st, t, x, y, z, this.cfg, this.evs);
    this.drain(out);
  }

  /** Feeds one app-reported phone state (fleetwire.v1.PhoneState). */
  pushPhone(t: number, state: number, out: EdgeEventRow[]): void {
    if (!this.base.phoneUse) return;
    detectPhone(this.st, t, state, this.cfg, this.evs);
    this.drain(out);
  }

  /** Feeds one accelerometer sample (milli-g, device frame); pushes finished events into `out`. */
  push(t: number, x: number, y: number, z: number, _fix: Fix, out: EdgeEventRow[]): void {
    detectAccel(this.st, t, x, y, z, this.cfg, this.evs);
    this.drain(out);
  }

  /** Feeds one GPS fix (wire units; heading cdeg or -1, hdop x100 or 0). */
  pushFix(t: number, latE7: number, lonE7: number, speedCms: number, headingCdeg: number, hdopC: number, out: EdgeEventRow[]): void {
    detectFix(this.st, { t, latE7, lonE7, speedCms, headingCdeg, hdopC, limitCms: 0 }, this.cfg, this.evs);
    this.drain(out);
  }

  /** The mount estimate (device-frame forward/left/up, confidence) for diagnostics. */
  orientation() {
    return orientationOf(this.st, this.cfg);
  }

  private drain(out: EdgeEventRow[]): void {
    for (const e of this.evs) {
      // Speeding is the TripDetector's (configured limit); the shared core's speeding is the scorer's.
      if (e.type === ET.EVENT_TYPE_SPEEDING) continue;
      if (e.type === ET.EVENT_TYPE_PHONE_USE && !this.base.phoneUse) continue;
      const row: EdgeEventRow = {
        type: e.type,
        tMs: e.startT,
        durationMs: Math.max(0, e.endT - e.startT),
        peak: e.peak,
        latE7: e.latE7,
        lonE7: e.lonE7,
        speedCms: e.speedCms,
      };
      if (e.crash) row.crash = e.crash;
      out.push(row);
    }
    this.evs.length = 0;
  }
}

/**
 * Trip start/end and speeding from GPS speed, with hold times so short stops or spikes do not split trips.
 * Speeding is against the fix's posted limit when it carries one, else the configured `speedLimit` (0 = off).
 */
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

  /** Feeds one fix; `postedLimitCms` (> 0) is the posted limit it carries, which overrides the configured one. */
  push(t: number, fix: Fix, postedLimitCms: number, out: EdgeEventRow[]): void {
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
    this.speeding(t, fix, postedLimitCms > 0 ? postedLimitCms : this.speedLimitCms, out);
  }

  private speeding(t: number, fix: Fix, lim: number, out: EdgeEventRow[]): void {
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
