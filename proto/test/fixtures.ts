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

// Phone-grade additions (issue 17): gyroscope, app-reported phone states, a crash event with its window.
import { packGyro, packPhone, type GyroSample, type PhoneSample } from '../src/index.js';

export const gyroSamples: GyroSample[] = Array.from({ length: 5 }, (_, i) => ({
  t: T0 + i * 20,
  x: 0.5 - i * 0.25,
  y: -1.25,
  z: Math.round(Math.sin(i) * 12_000) / 1000, // yaw rate of a turn, deg/s
}));

export const phoneSamples: PhoneSample[] = [
  { t: T0 + 100, state: 'screen_on' },
  { t: T0 + 400, state: 'unlocked' },
  { t: T0 + 900, state: 'handling' },
  { t: T0 + 1900, state: 'locked' },
];

/** A batch of a phone: GPS, accel, gyro, phone states, and a CRASH event carrying its data window. */
export const phoneBatch = () => ({
  ...sampleBatch(),
  seq: 43,
  gyro: packGyro(gyroSamples, 50),
  phone: packPhone(phoneSamples),
  events: [
    {
      type: 7,
      tMs: T0 + 1500,
      durationMs: 120,
      peak: 4100,
      latE7: 525200120,
      lonE7: 134051580,
      speedCms: 1420,
      crash: {
        peakMg: 4100,
        deltaVCms: 410,
        directionDeg: 180,
        preSpeedCms: 1420,
        postSpeedCms: 0,
        pulseMs: 120,
        accel: packAccel(accelSamples, 50),
        gyro: packGyro(gyroSamples, 50),
        gps: packGps(gpsSamples.slice(0, 2)),
        sensitivity: 'normal',
        thresholdMg: 2500,
      },
    },
    { type: 8, tMs: T0 + 400, durationMs: 1500, peak: 1, latE7: 525200120, lonE7: 134051580, speedCms: 1420 },
  ],
});
