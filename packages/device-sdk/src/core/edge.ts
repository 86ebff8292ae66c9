// Runs the detectors over freshly appended rows and inserts detected events as rows, each right after the
// sample it was detected at (so an event is sealed into the batch of the samples of its time). Pure.
import type { ResolvedDetection } from './config.js';
import { type EdgeEventRow, type Fix, HarshDetector, TripDetector } from './detection.js';
import { KIND_ACCEL, KIND_EVENT, KIND_GPS, ROW_INTS, type RowBuffer } from './samples.js';

export class EdgeDetector {
  private readonly harsh: HarshDetector;
  private readonly trip: TripDetector;
  private readonly fix: Fix = { latE7: 0, lonE7: 0, speedCms: -1 };
  private readonly out: EdgeEventRow[] = [];
  /** For each event in `out`, the row it was detected at. */
  private readonly after: number[] = [];

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

  /** Feeds rows [from, to) of `buf` (its last rows) and inserts the detected events among them. Returns the number of events. */
  process(buf: RowBuffer, from: number, to: number): number {
    const out = this.out;
    out.length = 0;
    const after = this.after;
    after.length = 0;
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
      while (after.length < out.length) after.push(i);
    }
    if (out.length > 0) interleave(buf, from, to, out, after);
    return out.length;
  }
}

/** Rewrites rows [from, to) of `buf` with event k placed right after row after[k] (after is non-decreasing). */
function interleave(buf: RowBuffer, from: number, to: number, events: readonly EdgeEventRow[], after: readonly number[]): void {
  const t = buf.t.slice(from, to);
  const v = buf.v.slice(from * ROW_INTS, to * ROW_INTS);
  buf.n = from;
  buf.ensure(to - from + events.length);
  let k = 0;
  for (let i = from; i < to; i++) {
    const o = (i - from) * ROW_INTS;
    buf.push(t[i - from]!, v[o]!, v[o + 1]!, v[o + 2]!, v[o + 3]!, v[o + 4]!, v[o + 5]!, v[o + 6]!);
    for (; k < events.length && after[k] === i; k++) {
      const e = events[k]!;
      buf.push(e.tMs, KIND_EVENT, e.type, e.durationMs, e.peak, e.latE7, e.lonE7, e.speedCms);
    }
  }
}
