import { packAccel, packGps, type AccelSample, type GpsSample } from '../src/index.js';

export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

export const gpsSamples: GpsSample[] = [
  { t: T0, lat: 52.520008, lon: 13.404954, speed: 13.9, heading: 90, hdop: 0.8, alt: 34.5 },
  { t: T0 + 1000, lat: 52.520012, lon: 13.405158, speed: 14.2, heading: 90.5, hdop: 0.8, alt: 34.6 },
  { t: T0 + 2000, lat: 52.520015, lon: 13.405366, speed: 14.6, heading: 91, hdop: 0.9, alt: 34.6 },
];

export const accelSamples: AccelSample[] = Array.from({ length: 5 }, (_, i) => ({
  t: T0 + i * 20,
  x: Math.round(Math.sin(i) * 300) / 1000,
  y: -0.02 * i,
  z: 1,
}));

export const sampleBatch = () => ({
  deviceId: 'dev-0001',
  bootId: 'b7c1',
  seq: 42,
  sentAtMs: T0 + 2500,
  gps: packGps(gpsSamples),
  accel: packAccel(accelSamples, 50),
  events: [{ type: 1, tMs: T0 + 1500, durationMs: 400, peak: 450, latE7: 525200120, lonE7: 134051580, speedCms: 1420 }],
  agent: 'fleetwire-sdk/0.1.0',
});
