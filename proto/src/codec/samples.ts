/** Sample shapes used by the SDK API and by backends after decoding. */

export interface GpsSample {
  /** Epoch milliseconds. */
  t: number;
  /** Degrees, WGS84. */
  lat: number;
  lon: number;
  /** Ground speed in m/s; omitted or negative = unknown. */
  speed?: number;
  /** Degrees clockwise from north [0, 360); omitted = unknown. */
  heading?: number;
  /** Horizontal dilution of precision; omitted = unknown. */
  hdop?: number;
  /** Metres above the WGS84 ellipsoid. */
  alt?: number;
  /** Posted speed limit at the fix in m/s (map SDK, partner device); omitted or 0 = unknown. */
  speedLimit?: number;
}

export interface AccelSample {
  /** Epoch milliseconds. */
  t: number;
  /** Acceleration in g (1 g = 9.80665 m/s²), device frame. */
  x: number;
  y: number;
  z: number;
}

/** An EdgeEvent's values in wire units, all present (the SDK's detector output, the scorer's events). */
export interface EdgeEventValues {
  /** fleetwire.v1.EventType */
  type: number;
  /** Epoch milliseconds. */
  tMs: number;
  durationMs: number;
  /** Peak milli-g (harsh events), cm/s over the limit (speeding), 0 for trips. */
  peak: number;
  latE7: number;
  lonE7: number;
  speedCms: number;
}

export const E7 = 1e7;

export interface GyroSample {
  /** Epoch milliseconds. */
  t: number;
  /** Angular rate in degrees per second about each device axis (right-handed), same frame as the accelerometer. */
  x: number;
  y: number;
  z: number;
}

/** App-reported phone states (fleetwire.v1.PhoneState without the prefix, lower case). */
export type PhoneStateName = 'screen_off' | 'screen_on' | 'unlocked' | 'locked' | 'call_start' | 'call_end' | 'handling';

export interface PhoneSample {
  /** Epoch milliseconds. */
  t: number;
  state: PhoneStateName;
}

/** PhoneState numbers by name (fleetwire.v1.PhoneState). */
export const PHONE_STATES: Readonly<Record<PhoneStateName, number>> = Object.freeze({
  screen_off: 1,
  screen_on: 2,
  unlocked: 3,
  locked: 4,
  call_start: 5,
  call_end: 6,
  handling: 7,
});

/** Name of a PhoneState number, or undefined for an unknown one. */
export const phoneStateName = (n: number): PhoneStateName | undefined => (Object.keys(PHONE_STATES) as PhoneStateName[]).find((k) => PHONE_STATES[k] === n);
