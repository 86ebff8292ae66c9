/**
 * Sensor synthesis from the vehicle state: GPS (1 Hz default) with correlated position error,
 * speed/heading noise, HDOP and altitude; accelerometer in g in the device frame (ISO 8855: x forward,
 * y left, z up) with gravity included (z ≈ +1 g at rest), road grade, and noise that grows with speed.
 */
import { G, normDeg, type LocalProjection } from './geo.js';
import type { Rng } from './prng.js';
import type { AccelSim, GpsSim } from './samples.js';

export interface SensorOptions {
  /** 1-sigma GPS horizontal error in metres (AR(1), ~30 s correlation). */
  gpsNoiseM: number;
  /** 1-sigma accelerometer white noise in g. */
  accelNoiseG: number;
  /** Device mounted rotated by this yaw (degrees, left positive) relative to the vehicle. */
  mountYawDeg: number;
  /** Ground altitude at the city centre, metres. */
  baseAltM: number;
}

export const DEFAULT_SENSORS: SensorOptions = { gpsNoiseM: 2.5, accelNoiseG: 0.012, mountYawDeg: 0, baseAltM: 34 };

/** Smooth synthetic terrain (metres) around the base altitude. */
export function terrainAlt(baseAltM: number, x: number, y: number): number {
  return baseAltM + 8 * Math.sin(x / 900) + 5 * Math.cos(y / 1300) + 3 * Math.sin((x + y) / 500);
}

export class SensorModel {
  private ex = 0;
  private ey = 0;
  private hdop = 0.9;
  private readonly cosM: number;
  private readonly sinM: number;
  readonly o: SensorOptions;

  constructor(
    private readonly projection: LocalProjection,
    private readonly rng: Rng,
    opts: Partial<SensorOptions> = {},
  ) {
    this.o = { ...DEFAULT_SENSORS, ...opts };
    const m = (this.o.mountYawDeg * Math.PI) / 180;
    this.cosM = Math.cos(m);
    this.sinM = Math.sin(m);
  }

  /** Road grade (rise over run) at (x, y) along a compass heading. */
  grade(x: number, y: number, headingDeg: number): number {
    const h = (headingDeg * Math.PI) / 180;
    const dx = Math.sin(h);
    const dy = Math.cos(h);
    return (terrainAlt(this.o.baseAltM, x + dx, y + dy) - terrainAlt(this.o.baseAltM, x - dx, y - dy)) / 2;
  }

  /** `sinPitch`/`cosPitch` of the road grade angle (see pitchOf). */
  accel(t: number, v: number, aLong: number, aLat: number, sinPitch: number, cosPitch: number, engineOn: boolean): AccelSim {
    const n = this.o.accelNoiseG * (engineOn ? 1 + v / 15 : 0.3);
    // Specific force: vehicle acceleration minus gravity, expressed in the vehicle frame.
    const fx = aLong / G + sinPitch + n * this.rng.fastNormal();
    const fy = aLat / G + n * this.rng.fastNormal();
    const fz = cosPitch + 1.5 * n * this.rng.fastNormal();
    if (this.sinM === 0) return { kind: 'accel', t: Math.round(t), x: round4(fx), y: round4(fy), z: round4(fz) };
    return { kind: 'accel', t: Math.round(t), x: round4(fx * this.cosM + fy * this.sinM), y: round4(-fx * this.sinM + fy * this.cosM), z: round4(fz) };
  }

  gps(t: number, x: number, y: number, v: number, headingDeg: number, dtS: number): GpsSim {
    const phi = Math.exp(-dtS / 30);
    const q = this.o.gpsNoiseM * Math.sqrt(1 - phi * phi);
    this.ex = phi * this.ex + q * this.rng.fastNormal();
    this.ey = phi * this.ey + q * this.rng.fastNormal();
    this.hdop = Math.min(3, Math.max(0.6, this.hdop + 0.03 * this.rng.fastNormal() + 0.02 * (0.9 - this.hdop)));
    const p = this.projection.toLatLon(x + this.ex, y + this.ey);
    const sample: GpsSim = {
      kind: 'gps',
      t: Math.round(t),
      lat: round7(p.lat),
      lon: round7(p.lon),
      speed: Math.round(Math.max(0, v + 0.08 * this.rng.fastNormal()) * 100) / 100,
      hdop: Math.round(this.hdop * 100) / 100,
      alt: Math.round((terrainAlt(this.o.baseAltM, x, y) + 1.5 * this.rng.fastNormal()) * 10) / 10,
    };
    // Receivers report no course over ground when standing still.
    if (v > 0.5) sample.heading = (Math.round(normDeg(headingDeg + 0.8 * this.rng.fastNormal()) * 100) / 100) % 360;
    return sample;
  }
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const round7 = (x: number) => Math.round(x * 1e7) / 1e7;
