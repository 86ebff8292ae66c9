// The last seconds of accelerometer, gyroscope and GPS rows, kept in memory so a CRASH event can carry the
// data window around its impact at full rate. Pure; fixed capacity (oldest rows overwritten).
import { KIND_ACCEL, KIND_GPS, KIND_GYRO, KIND_WIN_ACCEL, KIND_WIN_GPS, KIND_WIN_GYRO, ROW_INTS } from './samples.js';

export interface WindowRow {
  t: number;
  kind: number;
  v: [number, number, number, number, number, number];
}

const WIN_KIND: Record<number, number> = { [KIND_ACCEL]: KIND_WIN_ACCEL, [KIND_GYRO]: KIND_WIN_GYRO, [KIND_GPS]: KIND_WIN_GPS };

export class CrashWindow {
  private readonly t: Float64Array;
  private readonly v: Int32Array;
  private head = 0;
  private size = 0;

  /** keepMs: how far back rows are needed; capacity bounds memory (rows, ~36 bytes each). */
  constructor(
    readonly keepMs: number,
    readonly capacity = 8192,
  ) {
    this.t = new Float64Array(capacity);
    this.v = new Int32Array(capacity * ROW_INTS);
  }

  /** Remembers row `i` of a row store (accel, gyro and GPS rows only). */
  push(t: number, v: Int32Array, o: number): void {
    const k = v[o]!;
    if (WIN_KIND[k] === undefined) return;
    const i = (this.head + this.size) % this.capacity;
    this.t[i] = t;
    this.v.set(v.subarray(o, o + ROW_INTS), i * ROW_INTS);
    if (this.size < this.capacity) this.size++;
    else this.head = (this.head + 1) % this.capacity;
    // Forget what is older than keepMs before the newest row.
    while (this.size > 0 && this.t[this.head]! < t - this.keepMs) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
  }

  /** Rows with time in [from, to], as window rows (KIND_WIN_*), oldest first. */
  slice(from: number, to: number): WindowRow[] {
    const out: WindowRow[] = [];
    for (let j = 0; j < this.size; j++) {
      const i = (this.head + j) % this.capacity;
      const t = this.t[i]!;
      if (t < from || t > to) continue;
      const o = i * ROW_INTS;
      out.push({ t, kind: WIN_KIND[this.v[o]!]!, v: [this.v[o + 1]!, this.v[o + 2]!, this.v[o + 3]!, this.v[o + 4]!, this.v[o + 5]!, this.v[o + 6]!] });
    }
    return out;
  }
}
