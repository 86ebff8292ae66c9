import type { EdgeEventValues } from '@fleetwire/proto';
import type { TripSums } from './features.js';

/** EventType numbers from fleetwire.v1.EventType (kept as plain numbers so the core stays pure). */
export const EV = Object.freeze({ HARSH_BRAKING: 1, HARSH_ACCELERATION: 2, HARSH_CORNERING: 3, SPEEDING: 4 });

export type Severity = 'low' | 'medium' | 'high';

/** Last GPS sample seen for a device (speed m/s, heading degrees or -1). */
export interface LastSample {
  t: number;
  latE7: number;
  lonE7: number;
  speed: number;
  heading: number;
}

/** A harsh/speeding episode in progress. peak: milli-g (harsh) or cm/s over the limit (speeding). */
export interface Episode {
  type: number;
  startT: number;
  lastT: number;
  peak: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
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

/** Everything the core remembers about one device. Plain JSON: persisted per Kafka batch. */
export interface DeviceState {
  v: 1;
  /** The device is (tenant, deviceId). States persisted before schema v2 get the tenant of their row on load. */
  tenant: string;
  deviceId: string;
  last: LastSample | null;
  trip: OpenTrip | null;
  longEp: Episode | null;
  latEp: Episode | null;
  speedEp: Episode | null;
  /** Accelerometer gravity estimate (milli-g, device frame) and the time of its last update. */
  gravity: { t: number; x: number; y: number; z: number } | null;
  /** Recently processed idempotency keys "boot:seq", oldest first. */
  recent: string[];
}

export const newDeviceState = (tenant: string, deviceId: string): DeviceState => ({
  v: 1,
  tenant,
  deviceId,
  last: null,
  trip: null,
  longEp: null,
  latEp: null,
  speedEp: null,
  gravity: null,
  recent: [],
});

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
