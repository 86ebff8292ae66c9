/**
 * Kinematic vehicle following a route: speed toward the road limit × the driver's factor with
 * acceleration/braking limits, slowing for turns by curvature, stopping at red lights and at the
 * destination, parking, then driving to a new random destination. Harsh braking, acceleration and
 * cornering are injected at the profile's rates (Poisson in moving time). Pure and deterministic.
 */
import { G } from './geo.js';
import type { DriverProfile } from './profiles.js';
import type { Rng } from './prng.js';
import type { RoadGraph } from './road-graph.js';
import { pickRoute, type Route } from './routing.js';

export type TruthEventType = 'harsh_braking' | 'harsh_acceleration' | 'harsh_cornering' | 'light_stop' | 'trip_start' | 'trip_end';

/** Ground truth of what the simulated driver did (not sent to the gateway; used by tests and reports). */
export interface TruthEvent {
  type: TruthEventType;
  t: number;
  /** Intended peak magnitude in g for harsh events. */
  peakG?: number;
  durationMs?: number;
}

export interface VehicleOptions {
  /** Start node (defaults to a random node of the main component). */
  startNode?: number;
  /** Parking time between trips, seconds (uniform). */
  parkMinS: number;
  parkMaxS: number;
  /** Probability a traffic light is red when the driver reaches its decision point. */
  redProbability: number;
  /** Red-light wait, seconds (uniform). */
  lightWaitMinS: number;
  lightWaitMaxS: number;
  /** Minimum straight-line trip length in metres. */
  minTripM: number;
}

export const DEFAULT_VEHICLE: VehicleOptions = { parkMinS: 60, parkMaxS: 900, redProbability: 0.45, lightWaitMinS: 8, lightWaitMaxS: 55, minTripM: 1500 };

const ARC_90 = 20; // metres of arc for a 90° turn
const STOP_SNAP_M = 3;

type Mode = 'driving' | 'waiting' | 'parked';
interface Harsh {
  type: 'harsh_braking' | 'harsh_acceleration';
  a: number;
  untilMs: number;
}

export class Vehicle {
  tMs: number;
  mode: Mode = 'parked';
  modeUntilMs: number;
  /** Speed m/s, longitudinal and lateral acceleration m/s² (lateral: left positive). */
  v = 0;
  a = 0;
  lat = 0;
  /** Position in the local plane, compass heading in degrees, current legal limit m/s. */
  x = 0;
  y = 0;
  heading = 0;
  limit = 0;
  movingS = 0;
  readonly events: TruthEvent[] = [];

  route!: Route;
  private seg = 0;
  private s = 0;
  private node: number;
  private cruise = new Float64Array(0);
  private cornerL = new Float64Array(0);
  private cornerR = new Float64Array(0);
  private cornerV = new Float64Array(0);
  private lightState = new Uint8Array(0);
  private segAng = new Float64Array(0);
  private harsh: Harsh | null = null;
  private pendingBrake = false;
  private pendingAccel = false;
  private pendingCorner = false;
  private nextBrakeS: number;
  private nextAccelS: number;
  private nextCornerS: number;
  private readonly o: VehicleOptions;

  constructor(
    private readonly graph: RoadGraph,
    readonly profile: DriverProfile,
    private readonly rng: Rng,
    startMs: number,
    opts: Partial<VehicleOptions> = {},
  ) {
    this.o = { ...DEFAULT_VEHICLE, ...opts };
    this.tMs = startMs;
    this.modeUntilMs = startMs; // first trip starts immediately
    this.node = this.o.startNode ?? graph.mainNodes[rng.int(graph.mainNodes.length)]!;
    if (this.node < 0 || this.node >= graph.nodeCount || graph.nodeMain[this.node] !== 1)
      throw new RangeError(`start node ${this.node} is not on the main road network`);
    this.x = graph.nodeX[this.node]!;
    this.y = graph.nodeY[this.node]!;
    this.nextBrakeS = this.nextEventS(profile.harshBrakingPerH);
    this.nextAccelS = this.nextEventS(profile.harshAccelPerH);
    this.nextCornerS = this.nextEventS(profile.harshCorneringPerH);
  }

  private nextEventS(perH: number): number {
    return perH > 0 ? this.movingS + this.rng.exponential(3600 / perH) : Infinity;
  }

  /** Skips idle time (parked/waiting) without stepping; returns the new time. */
  skipIdle(toMs: number): number {
    if (this.mode !== 'driving') this.tMs = Math.max(this.tMs, Math.min(toMs, this.modeUntilMs));
    return this.tMs;
  }

  step(dt: number): void {
    this.tMs += dt * 1000;
    if (this.mode !== 'driving') {
      this.v = 0;
      this.a = 0;
      this.lat = 0;
      if (this.tMs >= this.modeUntilMs) {
        if (this.mode === 'parked') this.startTrip();
        else this.mode = 'driving';
      }
      return;
    }
    if (this.v > 1) this.movingS += dt;
    this.scheduleHarsh();

    const cruiseV = this.cruise[this.seg]!;
    let aCmd = clamp((cruiseV - this.v) / 2, -this.profile.brake, this.profile.accel);
    const aReq = this.constraintAccel();
    let tau = 0.3;
    if (this.harsh && this.tMs >= this.harsh.untilMs) this.harsh = null;
    if (this.harsh?.type === 'harsh_acceleration' && (this.v >= cruiseV - 0.3 || aReq < 0)) this.harsh = null;
    if (!this.harsh && this.pendingAccel && this.v < cruiseV - 5 && aCmd > 0 && aReq >= 0)
      this.startHarsh('harsh_acceleration', this.rng.uniform(0.36, 0.5) * G, 4000);
    if (!this.harsh && this.pendingBrake && this.v > 8 && aReq >= 0)
      this.startHarsh('harsh_braking', -this.rng.uniform(0.45, 0.7) * G, this.rng.uniform(700, 1500));
    if (this.harsh) {
      aCmd = this.harsh.a;
      tau = 0.12;
    }
    aCmd = Math.max(Math.min(aCmd, aReq), -0.85 * G);
    this.a += (aCmd - this.a) * Math.min(1, dt / tau);
    const v0 = this.v;
    this.v = Math.max(0, v0 + this.a * dt);
    if (this.v === 0 && this.a < 0) this.a = 0;
    if (this.harsh?.type === 'harsh_acceleration' && this.v > cruiseV) this.v = cruiseV;
    this.advance(((v0 + this.v) / 2) * dt);
  }

  private startHarsh(type: Harsh['type'], a: number, durMs: number): void {
    this.harsh = { type, a, untilMs: this.tMs + durMs };
    if (type === 'harsh_acceleration') this.pendingAccel = false;
    else this.pendingBrake = false;
    this.events.push({ type, t: Math.round(this.tMs), peakG: Math.abs(a) / G, durationMs: Math.round(durMs) });
  }

  private scheduleHarsh(): void {
    if (this.movingS >= this.nextBrakeS) {
      this.pendingBrake = true;
      this.nextBrakeS = this.nextEventS(this.profile.harshBrakingPerH);
    }
    if (this.movingS >= this.nextAccelS) {
      this.pendingAccel = true;
      this.nextAccelS = this.nextEventS(this.profile.harshAccelPerH);
    }
    if (this.movingS >= this.nextCornerS) {
      this.pendingCorner = true;
      this.nextCornerS = this.nextEventS(this.profile.harshCorneringPerH);
    }
    if (this.pendingCorner) this.markHarshCorner();
  }

  /** Picks the next corner sharp enough for a harsh lateral load within the limits, and raises its speed. */
  private markHarshCorner(): void {
    const r = this.route;
    for (let j = this.seg + 1; j < r.s.length - 1; j++) {
      const d = r.s[j]! - this.cornerL[j]! / 2 - this.s;
      if (d < 30 || r.light[j]) continue;
      const latA = this.rng.uniform(0.45, 0.6) * G;
      const vc = Math.sqrt(latA * this.cornerR[j]!);
      if (vc <= Math.min(this.cruise[j - 1]!, this.cruise[j]!) && vc > 4) {
        this.cornerV[j] = vc;
        this.pendingCorner = false;
        this.events.push({ type: 'harsh_cornering', t: Math.round(this.tMs + (d / Math.max(this.v, 3)) * 1000), peakG: latA / G });
        return;
      }
    }
  }

  /** Most negative acceleration needed to meet upcoming speed constraints (Infinity if none binds). */
  private constraintAccel(): number {
    const r = this.route;
    const last = r.s.length - 1;
    const brakeStart = 0.6 * this.profile.brake;
    const look = (this.v * this.v) / (2 * brakeStart) + 40;
    let aReq = Infinity;
    for (let j = this.seg; j <= last; j++) {
      const toVertex = r.s[j]! - this.s;
      if (toVertex > look + this.cornerL[j]!) break;
      // Inside a turn arc: hold the corner speed.
      if (Math.abs(toVertex) <= this.cornerL[j]! / 2 && this.cornerV[j]! < Infinity) {
        aReq = Math.min(aReq, (this.cornerV[j]! - this.v) / 0.5);
      }
      if (j === this.seg) continue;
      let vc = Math.min(this.cornerV[j]!, j < last ? this.cruise[j]! : 0);
      let d = toVertex - this.cornerL[j]! / 2;
      if (r.light[j]) {
        if (this.lightState[j] === 0 && toVertex < Math.max(50, (this.v * this.v) / (2 * this.profile.brake) + 15)) {
          const red = this.rng.chance(this.o.redProbability);
          const tooLate = (this.v * this.v) / (2 * Math.max(toVertex, 0.1)) > 1.6 * this.profile.brake;
          this.lightState[j] = red && !tooLate && !this.rng.chance(this.profile.amberRunning) ? 2 : 1;
        }
        if (this.lightState[j] === 2) {
          vc = 0;
          d = toVertex;
        }
      }
      if (vc === 0) d = toVertex;
      if (this.v > vc) {
        const need = (vc * vc - this.v * this.v) / (2 * Math.max(d, 0.25));
        if (need < -brakeStart || d < 5) aReq = Math.min(aReq, need);
      }
      if (vc === 0 && toVertex < STOP_SNAP_M && this.v < 0.6) aReq = Math.min(aReq, -this.v / 0.1);
    }
    return aReq;
  }

  private advance(ds: number): void {
    const r = this.route;
    const last = r.s.length - 1;
    this.s += ds;
    while (this.seg < last && this.s >= r.s[this.seg + 1]!) this.seg++;
    // Stops: red light ahead or destination reached, when (nearly) standing at the vertex.
    const next = Math.min(this.seg + 1, last);
    const toNext = r.s[next]! - this.s;
    if (this.seg >= last || (next === last && toNext < STOP_SNAP_M && this.v < 0.6)) {
      this.finishTrip();
      return;
    }
    if (this.lightState[next] === 2 && toNext < STOP_SNAP_M && this.v < 0.6) {
      this.s = r.s[next]!;
      this.seg = next;
      this.lightState[next] = 1;
      this.stopFor('waiting', this.rng.uniform(this.o.lightWaitMinS, this.o.lightWaitMaxS));
      this.events.push({ type: 'light_stop', t: Math.round(this.tMs), durationMs: Math.round(this.modeUntilMs - this.tMs) });
    }
    this.updatePose();
  }

  private stopFor(mode: Mode, seconds: number): void {
    this.mode = mode;
    this.modeUntilMs = this.tMs + seconds * 1000;
    this.v = 0;
    this.a = 0;
    this.lat = 0;
    this.harsh = null;
  }

  private finishTrip(): void {
    const r = this.route;
    this.seg = r.s.length - 1;
    this.s = r.length;
    this.node = r.nodes[r.nodes.length - 1]!;
    this.updatePose();
    this.stopFor('parked', this.rng.uniform(this.o.parkMinS, this.o.parkMaxS));
    this.events.push({ type: 'trip_end', t: Math.round(this.tMs) });
  }

  private startTrip(): void {
    const r = pickRoute(this.graph, this.node, this.rng, this.o.minTripM);
    const m = r.s.length;
    this.route = r;
    this.seg = 0;
    this.s = 0;
    this.mode = 'driving';
    this.cruise = new Float64Array(m - 1);
    this.segAng = new Float64Array(m - 1);
    for (let i = 0; i < m - 1; i++) {
      this.cruise[i] = r.limit[i]! * this.profile.speedFactor * (1 + this.rng.uniform(-this.profile.speedSpread, this.profile.speedSpread / 2));
      this.segAng[i] = Math.atan2(r.y[i + 1]! - r.y[i]!, r.x[i + 1]! - r.x[i]!);
    }
    this.cornerL = new Float64Array(m);
    this.cornerR = new Float64Array(m).fill(Infinity);
    this.cornerV = new Float64Array(m).fill(Infinity);
    for (let j = 1; j < m - 1; j++) {
      const th = Math.abs(r.turn[j]!);
      if (th < 1e-3) continue;
      const room = 0.5 * Math.min(r.s[j]! - r.s[j - 1]!, r.s[j + 1]! - r.s[j]!);
      const L = Math.min(room, Math.max(ARC_90, (ARC_90 * (Math.PI / 2)) / th));
      this.cornerL[j] = L;
      this.cornerR[j] = L / th;
      this.cornerV[j] = Math.sqrt(this.profile.lateral * this.cornerR[j]!);
    }
    this.lightState = new Uint8Array(m);
    this.events.push({ type: 'trip_start', t: Math.round(this.tMs) });
    this.updatePose();
  }

  private updatePose(): void {
    const r = this.route;
    const last = r.s.length - 1;
    const i = Math.min(this.seg, last - 1);
    const segLen = r.s[i + 1]! - r.s[i]!;
    const f = segLen > 0 ? clamp((this.s - r.s[i]!) / segLen, 0, 1) : 0;
    this.x = r.x[i]! + (r.x[i + 1]! - r.x[i]!) * f;
    this.y = r.y[i]! + (r.y[i + 1]! - r.y[i]!) * f;
    this.limit = r.limit[i]!;
    let ang = this.segAng[i]!;
    this.lat = 0;
    for (let j = i; j <= i + 1; j++) {
      const L = this.cornerL[j]!;
      if (L <= 0) continue;
      const off = this.s - r.s[j]!; // negative before the vertex
      if (Math.abs(off) < L / 2) {
        const th = r.turn[j]!;
        ang = this.segAng[j - 1]! + th * (off / L + 0.5);
        this.lat = (this.v * this.v * th) / L;
      }
    }
    this.heading = (((90 - (ang * 180) / Math.PI) % 360) + 360) % 360;
  }

  get lightStopCount(): number {
    return this.events.filter((e) => e.type === 'light_stop').length;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
