import { type MotionState, newMotionState } from '@fleetwire/detect';
import type { EdgeEventValues } from '@fleetwire/proto';
import type { TripSums } from './features.js';
import { markSeenKeys, type SeenRuns } from './seen-batches.js';

/** EventType numbers from fleetwire.v1.EventType (kept as plain numbers so the core stays pure). */
export const EV = Object.freeze({ HARSH_BRAKING: 1, HARSH_ACCELERATION: 2, HARSH_CORNERING: 3, SPEEDING: 4, CRASH: 7, PHONE_USE: 8 });

export type Severity = 'low' | 'medium' | 'high';

/** Last GPS sample seen for a device (speed m/s, heading degrees or -1). */
export interface LastSample {
  t: number;
  latE7: number;
  lonE7: number;
  speed: number;
  heading: number;
}

export interface OpenTrip {
  id: string;
  startMs: number;
  startLatE7: number;
  startLonE7: number;
  /** Last "active" (moving) instant and where it was. */
  lastActiveT: number;
  lastActiveLatE7: number;
  lastActiveLonE7: number;
  sums: TripSums;
  /** Night seconds of idle intervals not yet known to be inside the trip. */
  pendingNightS: number;
  events: number;
}

/**
 * Everything the core remembers about one device. Plain JSON: persisted per Kafka batch.
 * v2 (this version) keeps the shared detector's state in `motion`; v1 states (harsh/speeding episodes and
 * a gravity estimate of their own) still load: `upgradeState` replaces those with a fresh detector state.
 */
export interface DeviceState {
  v: 2;
  /** The device is (tenant, deviceId). States persisted before schema v2 get the tenant of their row on load. */
  tenant: string;
  deviceId: string;
  last: LastSample | null;
  trip: OpenTrip | null;
  /** @fleetwire/detect state: GPS cleaning window, gravity and mount orientation, open episodes. */
  motion: MotionState;
  /** The last `recentKeys` processed (boot, seq) keys, run-length encoded (core/seen-batches). */
  seen: SeenRuns;
  /**
   * Recently processed keys as strings (proto batchKey), the form before `seen`. Persisted empty, so that a scorer
   * rolled back to that version still reads the state; keys it adds are merged into `seen` on the next load.
   */
  recent: string[];
}

export const newDeviceState = (tenant: string, deviceId: string): DeviceState => ({
  v: 2,
  tenant,
  deviceId,
  last: null,
  trip: null,
  motion: newMotionState(),
  seen: [],
  recent: [],
});

/** Brings a persisted state of any earlier version to the current one, in place; `recentKeys` caps `seen`. */
export function upgradeState(st: DeviceState, recentKeys: number): DeviceState {
  const raw = st as unknown as Record<string, unknown>;
  // Keys persisted as strings (states before `seen`, or written by a scorer rolled back to that version).
  st.seen ??= [];
  if (st.recent === undefined) st.recent = [];
  else if (st.recent.length > 0) {
    markSeenKeys(st.seen, st.recent, st.tenant, st.deviceId, recentKeys);
    st.recent = [];
  }
  if (raw.v === 2 && raw.motion) return st;
  delete raw.longEp;
  delete raw.latEp;
  delete raw.speedEp;
  delete raw.gravity;
  raw.v = 2;
  raw.motion = newMotionState();
  return st;
}

export interface CompletedTrip {
  tripId: string;
  deviceId: string;
  startMs: number;
  endMs: number;
  startLatE7: number;
  startLonE7: number;
  endLatE7: number;
  endLonE7: number;
  sums: TripSums;
  /** featuresFromSums(sums), FEATURES order. */
  features: number[];
}

export interface DetectedEvent extends EdgeEventValues {
  eventId: string;
  tripId: string | null;
  deviceId: string;
  severity: Severity;
  /** Evidence: vehicle-frame accelerometer, GPS, app-reported phone states, or the device's own detection
   * ('edge': forwarded, e.g. CRASH). Not persisted; alerts say detected_by_backend = source !== 'edge'. */
  source?: 'imu' | 'gps' | 'app' | 'edge';
  /** CRASH: the device's impact detail and data window (fleetwire.v1.CrashInfo, JSON). */
  crash?: import('@fleetwire/proto').fleetwire.v1.ICrashInfo;
  /** PHONE_USE: in-use time while moving (ms) and evidence bits (1 app, 2 call, 4 IMU). */
  phone?: { movingMs: number; bits: number };
  /** Speeding: limit applied (cm/s) and whether posted or a road-type default. */
  limitCms?: number;
  limitKind?: 'posted' | 'default';
}

/** One row per processed telemetry batch. */
export interface BatchSummary {
  deviceId: string;
  bootId: string;
  seq: number;
  tStartMs: number;
  tEndMs: number;
  gpsSamples: number;
  accelSamples: number;
  distanceM: number;
  maxSpeedMs: number;
  /** Samples dropped because they were not newer than what the device state had already seen. */
  lateSamples: number;
}

export interface StepOutput {
  duplicate: boolean;
  trips: CompletedTrip[];
  events: DetectedEvent[];
  summary: BatchSummary | null;
}
