// Runs the detectors over freshly appended rows and inserts detected events as rows, each right after the
// sample it was detected at (so an event is sealed into the batch of the samples of its time). A CRASH row is
// followed by its detail row and its data window (rows of kinds KIND_CRASH_INFO and KIND_WIN_*). Pure.
import type { ResolvedDetection } from './config.js';
import { CrashWindow, type WindowRow } from './crash-window.js';
import { decodeDetectionState, encodeDetectionState } from './detection-state.js';
import { type EdgeEventRow, type Fix, HarshDetector, TripDetector } from './detection.js';
import { gpsHdopC, gpsLimitCms, KIND_ACCEL, KIND_CRASH_INFO, KIND_EVENT, KIND_GPS, KIND_GYRO, KIND_PHONE, ROW_INTS, type RowBuffer } from './samples.js';

const SENSITIVITY_CODE = { low: 0, normal: 1, high: 2 } as const;
export const SENSITIVITY_NAMES = ['low', 'normal', 'high'] as const;

/** A crash found in the last process() call (for the client's 'crash' event and its urgent seal). */
export interface FoundCrash {
  event: EdgeEventRow;
  windowRows: number;
}

export class EdgeDetector {
  private readonly harsh: HarshDetector;
  private readonly trip: TripDetector;
  private readonly fix: Fix = { latE7: 0, lonE7: 0, speedCms: -1 };
  private readonly out: EdgeEventRow[] = [];
  /** For each event in `out`, the row it was detected at. */
  private readonly after: number[] = [];
  private readonly window: CrashWindow | null;
  /** Crashes found by the last process() call. */
  readonly crashes: FoundCrash[] = [];

  constructor(private readonly cfg: ResolvedDetection) {
    this.harsh = new HarshDetector(cfg);
    this.trip = new TripDetector(cfg);
    this.window = cfg.crash ? new CrashWindow(cfg.crash.windowBeforeMs + cfg.crash.stopWithinMs + 2000) : null;
  }

  setThresholds(brakingMg: number, accelerationMg: number, corneringMg: number, speedLimitCms: number): void {
    this.harsh.setThresholds(brakingMg, accelerationMg, corneringMg);
    this.trip.setSpeedLimitCms(speedLimitCms);
  }

  get inTrip(): boolean {
    return this.trip.inTrip;
  }

  /** The learnt detection state, encoded for the outbox (null when it cannot be). */
  saveState(): Uint8Array | null {
    return encodeDetectionState(this.harsh.motion);
  }

  /** Continues from a saved state; nothing changes when it is not one this version reads. */
  restoreState(bytes: Uint8Array): void {
    const m = decodeDetectionState(bytes);
    if (m) this.harsh.restore(m);
  }

  /** The mount estimate (diagnostics). */
  orientation() {
    return this.harsh.orientation();
  }

  /** Feeds rows [from, to) of `buf` (its last rows) and inserts the detected events among them. Returns the number of events. */
  process(buf: RowBuffer, from: number, to: number): number {
    const out = this.out;
    out.length = 0;
    const after = this.after;
    after.length = 0;
    this.crashes.length = 0;
    for (let i = from; i < to; i++) {
      const o = i * ROW_INTS;
      const v = buf.v;
      const k = v[o];
      const t = buf.t[i]!;
      this.window?.push(t, v, o);
      if (k === KIND_ACCEL) this.harsh.push(t, v[o + 1]!, v[o + 2]!, v[o + 3]!, this.fix, out);
      else if (k === KIND_GYRO) this.harsh.pushGyro(t, v[o + 1]!, v[o + 2]!, v[o + 3]!, out);
      else if (k === KIND_PHONE) this.harsh.pushPhone(t, v[o + 1]!, out);
      else if (k === KIND_GPS) {
        this.fix.latE7 = v[o + 1]!;
        this.fix.lonE7 = v[o + 2]!;
        this.fix.speedCms = v[o + 3]!;
        this.harsh.pushFix(t, v[o + 1]!, v[o + 2]!, v[o + 3]!, v[o + 4]!, gpsHdopC(v[o + 5]!), out);
        this.trip.push(t, this.fix, gpsLimitCms(v[o + 5]!), out);
      }
      while (after.length < out.length) after.push(i);
    }
    if (out.length > 0) interleave(buf, from, to, out, after, (e) => this.extraRows(e));
    return out.length;
  }

  /** The detail row and data window of a CRASH event; nothing for other events. */
  private extraRows(e: EdgeEventRow): WindowRow[] {
    const c = e.crash;
    const cc = this.cfg.crash;
    if (!c || !cc) return [];
    const info: WindowRow = {
      t: e.tMs,
      kind: KIND_CRASH_INFO,
      v: [c.deltaVCms, c.directionDeg, c.preSpeedCms, c.postSpeedCms, c.pulseMs, cc.impactMg * 4 + SENSITIVITY_CODE[cc.sensitivity]],
    };
    const win = this.window ? this.window.slice(e.tMs - cc.windowBeforeMs, c.confirmT) : [];
    this.crashes.push({ event: e, windowRows: win.length });
    return [info, ...win];
  }
}

/** Rewrites rows [from, to) of `buf` with event k (and its extra rows) placed right after row after[k] (after is non-decreasing). */
function interleave(
  buf: RowBuffer,
  from: number,
  to: number,
  events: readonly EdgeEventRow[],
  after: readonly number[],
  extra: (e: EdgeEventRow) => WindowRow[],
): void {
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
      for (const r of extra(e)) buf.push(r.t, r.kind, r.v[0], r.v[1], r.v[2], r.v[3], r.v[4], r.v[5]);
    }
  }
}
