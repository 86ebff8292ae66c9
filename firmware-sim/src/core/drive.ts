/** Synthetic drive: vehicle model + sensors, produced as time-ordered chunks of samples. */
import { PROFILES, type DriverProfile } from './profiles.js';
import { Rng } from './prng.js';
import type { RoadGraph } from './road-graph.js';
import type { SampleChunk, SimSample } from './samples.js';
import { SensorModel, type SensorOptions } from './sensors.js';
import { Vehicle, type VehicleOptions } from './vehicle.js';

export interface DriveOptions {
  graph: RoadGraph;
  profile?: DriverProfile;
  seed: number | string;
  /** Epoch ms of the first sample. */
  startMs: number;
  /** Virtual length of the drive in ms (Infinity = endless). */
  durationMs: number;
  /** Accelerometer rate, 10..50 Hz (also the physics step). */
  accelRateHz?: number;
  /** GPS rate, 0.1..10 Hz. */
  gpsRateHz?: number;
  /** Length of each chunk of virtual time. */
  chunkMs?: number;
  /** Emit samples while parked (ignition on); by default parking is a silent gap. */
  emitWhileParked?: boolean;
  vehicle?: Partial<VehicleOptions>;
  sensors?: Partial<SensorOptions>;
}

export function validateRates(accelRateHz: number, gpsRateHz: number): void {
  if (!(accelRateHz >= 10 && accelRateHz <= 50)) throw new RangeError(`accelerometer rate must be 10..50 Hz, got ${accelRateHz}`);
  if (!(gpsRateHz >= 0.1 && gpsRateHz <= 10)) throw new RangeError(`GPS rate must be 0.1..10 Hz, got ${gpsRateHz}`);
}

/** Endless or bounded generator of chunks; deterministic for (graph, seed, options). */
export function* synthesizeDrive(o: DriveOptions): Generator<SampleChunk, void, undefined> {
  const accelHz = o.accelRateHz ?? 25;
  const gpsHz = o.gpsRateHz ?? 1;
  validateRates(accelHz, gpsHz);
  const chunkMs = o.chunkMs ?? 10_000;
  if (!(chunkMs >= 100)) throw new RangeError(`chunkMs must be >= 100, got ${chunkMs}`);
  if (!(o.durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${o.durationMs}`);
  const rng = new Rng(o.seed);
  const vehicle = new Vehicle(o.graph, o.profile ?? PROFILES.normal, rng.fork('vehicle'), o.startMs, o.vehicle);
  const sensors = new SensorModel(o.graph.projection, rng.fork('sensors'), o.sensors);
  const dt = 1 / accelHz;
  const stepMs = 1000 / accelHz;
  const gpsMs = 1000 / gpsHz;
  const endMs = o.startMs + o.durationMs;
  let nextGps = o.startMs;
  let lastGps = o.startMs - gpsMs;
  let tick = 0; // accel samples are on a fixed grid: start + k * stepMs
  let eventsSeen = 0;
  let sinPitch = 0;
  let cosPitch = 1;

  for (let from = o.startMs; from < endMs; from += chunkMs) {
    const to = Math.min(from + chunkMs, endMs);
    const samples: SimSample[] = [];
    for (;;) {
      let t = o.startMs + tick * stepMs;
      if (t >= to) break;
      if (vehicle.mode === 'parked' && !o.emitWhileParked) {
        // Ignition off: jump to the end of parking (or of this chunk) on the sample grid.
        vehicle.skipIdle(Math.min(to, endMs));
        tick = Math.max(tick, Math.ceil((vehicle.tMs - o.startMs) / stepMs));
        if (vehicle.mode === 'parked' && vehicle.tMs >= vehicle.modeUntilMs) vehicle.step(0);
        t = o.startMs + tick * stepMs;
        if (t >= to) break;
        nextGps = Math.max(nextGps, t);
      }
      vehicle.tMs = t - stepMs;
      vehicle.step(dt);
      const engineOn = vehicle.mode !== 'parked';
      // Grade changes slowly: refresh it a few times a second.
      if (tick % 8 === 0) {
        const pitch = engineOn ? Math.atan(sensors.grade(vehicle.x, vehicle.y, vehicle.heading)) : 0;
        sinPitch = Math.sin(pitch);
        cosPitch = Math.cos(pitch);
      }
      if (t >= nextGps) {
        samples.push(sensors.gps(t, vehicle.x, vehicle.y, vehicle.v, vehicle.heading, (t - lastGps) / 1000));
        lastGps = t;
        nextGps += gpsMs * Math.max(1, Math.ceil((t - nextGps + 1) / gpsMs));
      }
      samples.push(sensors.accel(t, vehicle.v, vehicle.a, vehicle.lat, sinPitch, cosPitch, engineOn));
      tick++;
    }
    const events = vehicle.events.slice(eventsSeen);
    eventsSeen = vehicle.events.length;
    if (eventsSeen > 10_000) {
      vehicle.events.length = 0;
      eventsSeen = 0;
    }
    yield { fromMs: from, toMs: to, samples, events };
  }
}
