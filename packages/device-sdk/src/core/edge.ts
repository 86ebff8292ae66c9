// Runs the detectors over freshly appended rows and appends detected events as rows. Pure.
import type { ResolvedDetection } from './config.js';
import { type EdgeEventRow, type Fix, HarshDetector, TripDetector } from './detection.js';
import { KIND_ACCEL, KIND_EVENT, KIND_GPS, ROW_INTS, type RowBuffer } from './samples.js';

export class EdgeDetector {
  private readonly harsh: HarshDetector;
  private readonly trip: TripDetector;
  private readonly fix: Fix = { latE7: 0, lonE7: 0, speedCms: -1 };
  private readonly out: EdgeEventRow[] = [];

  constructor(cfg: ResolvedDetection) {
    this.harsh = new HarshDetector(cfg);
    this.trip = new TripDetector(cfg);
  }

  setThresholds(brakingMg: number, accelerationMg: number, corneringMg: number, speedLimitCms: number): void {
    this.harsh.setThresholds(brakingMg, accelerationMg, corneringMg);
    this.trip.setSpeedLimitCms(speedLimitCms);
  }

  get inTrip(): boolean {
    return this.trip.inTrip;
  }

  /** Feeds rows [from, to) of `buf` and appends detected events to it. Returns the number of events. */
  process(buf: RowBuffer, from: number, to: number): number {
    const out = this.out;
    out.length = 0;
    for (let i = from; i < to; i++) {
      const o = i * ROW_INTS;
      const v = buf.v;
      const k = v[o];
      if (k === KIND_ACCEL) this.harsh.push(buf.t[i]!, v[o + 1]!, v[o + 2]!, v[o + 3]!, this.fix, out);
      else if (k === KIND_GPS) {
        this.fix.latE7 = v[o + 1]!;
        this.fix.lonE7 = v[o + 2]!;
        this.fix.speedCms = v[o + 3]!;
        this.harsh.pushFix(buf.t[i]!, v[o + 1]!, v[o + 2]!, v[o + 3]!, v[o + 4]!, v[o + 5]!, out);
        this.trip.push(buf.t[i]!, this.fix, out);
      }
    }
    for (const e of out) buf.push(e.tMs, KIND_EVENT, e.type, e.durationMs, e.peak, e.latE7, e.lonE7, e.speedCms);
    return out.length;
  }
}
