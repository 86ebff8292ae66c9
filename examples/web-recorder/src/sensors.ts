/// <reference lib="dom" />
// Browser sensors as SDK samples: GPS fixes from navigator.geolocation (speed m/s, heading deg, hdop
// approximated from the reported accuracy) and accelerometer samples from DeviceMotionEvent
// (accelerationIncludingGravity, m/s² -> g). The device frame is the phone's: mount it aligned with
// the car, or the harsh-event axes are off (see the SDK README, "Phone apps").
import type { SampleRecord } from '@fleetwire/device-sdk';

const G = 9.80665;

export function gpsSample(p: {
  timestamp: number;
  coords: { latitude: number; longitude: number; speed: number | null; heading: number | null; accuracy: number; altitude: number | null };
}): SampleRecord {
  const c = p.coords;
  const s: SampleRecord = { kind: 'gps', t: p.timestamp, lat: c.latitude, lon: c.longitude, speed: Math.max(0, c.speed ?? 0) };
  if (c.heading !== null && Number.isFinite(c.heading)) s.heading = c.heading;
  if (c.altitude !== null) s.alt = c.altitude;
  s.hdop = Math.min(50, Math.max(0.5, c.accuracy / 5)); // ~5 m per unit of HDOP
  return s;
}

export function accelSample(t: number, a: { x: number | null; y: number | null; z: number | null }): SampleRecord | null {
  if (a.x === null || a.y === null || a.z === null) return null;
  return { kind: 'accel', t, x: a.x / G, y: a.y / G, z: a.z / G };
}

/**
 * iOS Safari asks for motion access only from a user gesture: call this first thing in the tap handler,
 * before any await. Elsewhere there is nothing to ask. Rejects when the user says no.
 */
export async function requestMotionPermission(): Promise<void> {
  const DME = (globalThis as { DeviceMotionEvent?: { requestPermission?: () => Promise<string> } }).DeviceMotionEvent;
  if (typeof DME?.requestPermission === 'function' && (await DME.requestPermission()) !== 'granted') throw new Error('motion permission denied');
}

/** Starts the sensors (geolocation asks for its permission itself); returns a function that stops them. */
export function bindSensors(record: (s: SampleRecord) => void): () => void {
  const watch = navigator.geolocation.watchPosition(
    (p) => record(gpsSample(p)),
    (e) => console.warn(`geolocation: ${e.message}`),
    { enableHighAccuracy: true, maximumAge: 0 },
  );
  const t0 = Date.now() - performance.now();
  const onMotion = (e: DeviceMotionEvent) => {
    const a = e.accelerationIncludingGravity;
    const s = a ? accelSample(Math.round(t0 + e.timeStamp), a) : null;
    if (s) record(s);
  };
  addEventListener('devicemotion', onMotion);
  return () => {
    navigator.geolocation.clearWatch(watch);
    removeEventListener('devicemotion', onMotion);
  };
}
