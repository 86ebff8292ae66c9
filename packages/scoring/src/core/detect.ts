// The scorer's side of the shared detection core (@fleetwire/detect): its configuration from CoreConfig,
// and its events as the scorer's DetectedEvent.
import { DEFAULT_DETECT_CONFIG, type DetectConfig, type MotionEvent, resolveDetectConfig } from '@fleetwire/detect';
import type { CoreConfig } from './config.js';
import { eventId } from './ids.js';
import type { DetectedEvent, DeviceState } from './types.js';

const cache = new WeakMap<CoreConfig, DetectConfig>();

/** The detector's configuration: CoreConfig's thresholds and default limit over the detector's defaults. */
export function detectConfigOf(cfg: CoreConfig): DetectConfig {
  let d = cache.get(cfg);
  if (!d) {
    const lv = { ...DEFAULT_DETECT_CONFIG, ...cfg.detect };
    // Severity levels stay at or above a raised threshold.
    const up = (x: number, floor: number) => Math.max(x, floor);
    d = resolveDetectConfig({
      ...cfg.detect,
      brakingMediumMg: up(lv.brakingMediumMg, cfg.harshBrakingMg),
      brakingHighMg: up(lv.brakingHighMg, up(lv.brakingMediumMg, cfg.harshBrakingMg)),
      accelerationMediumMg: up(lv.accelerationMediumMg, cfg.harshAccelerationMg),
      accelerationHighMg: up(lv.accelerationHighMg, up(lv.accelerationMediumMg, cfg.harshAccelerationMg)),
      corneringMediumMg: up(lv.corneringMediumMg, cfg.harshCorneringMg),
      corneringHighMg: up(lv.corneringHighMg, up(lv.corneringMediumMg, cfg.harshCorneringMg)),
      maxBrakingMg: up(lv.maxBrakingMg, up(lv.brakingHighMg, cfg.harshBrakingMg)),
      maxAccelerationMg: up(lv.maxAccelerationMg, up(lv.accelerationHighMg, cfg.harshAccelerationMg)),
      maxCorneringMg: up(lv.maxCorneringMg, up(lv.corneringHighMg, cfg.harshCorneringMg)),
      harshBrakingMg: cfg.harshBrakingMg,
      harshAccelerationMg: cfg.harshAccelerationMg,
      harshCorneringMg: cfg.harshCorneringMg,
      maxFixGapMs: cfg.maxDerivativeDtMs,
      minCourseSpeedMs: cfg.minCorneringSpeedMs,
      gravityTauMs: cfg.gravityTauMs,
      minSpeedingEventMs: cfg.minSpeedingEventMs,
      defaultLimitKmh: { ...cfg.detect?.defaultLimitKmh, unknown: cfg.speedLimitMs * 3.6 },
    });
    cache.set(cfg, d);
  }
  return d;
}

export function toDetectedEvent(st: DeviceState, e: MotionEvent, tripId: string | null): DetectedEvent {
  const out: DetectedEvent = {
    eventId: eventId(st.tenant, st.deviceId, e.type, e.startT),
    tripId,
    deviceId: st.deviceId,
    type: e.type,
    tMs: e.startT,
    durationMs: Math.max(0, e.endT - e.startT),
    peak: e.peak,
    latE7: e.latE7,
    lonE7: e.lonE7,
    speedCms: e.speedCms,
    severity: e.severity,
    source: e.source,
  };
  if (e.limitCms !== undefined) out.limitCms = e.limitCms;
  if (e.limitKind !== undefined) out.limitKind = e.limitKind;
  if (e.phone) out.phone = e.phone;
  return out;
}
