// A TelemetryRecord (the gateway's Kafka value) straight to what a reader of the log needs: its envelope and the
// absolute columns of its batch's tracks. Pure. The scorer decodes every record this way.
//
// The fast path is batch-scan's one pass with a ColumnSink, under the envelope read here in the same style: it
// handles the canonical encoding (each field at most once, no unknown fields, no edge events) and is only
// trusted when it is sure. Anything else goes through decodeTelemetryRecord (protobufjs + validateDeviceBatch)
// and the *Columns functions, which give the authoritative verdict and reason. So a rejected record gets exactly
// the error it got before, and an accepted one the same columns (a property test compares both paths).
import type { fleetwire } from '../generated/fleetwire.js';
import { type ColumnSink, Cursor, id, newColumnSink, scanBatchAt, scanElseDecode, UNSURE } from './batch-scan.js';
import { type DecodeOptions, decodeTelemetryRecord } from './batch.js';
import { ok, type Result } from './errors.js';
import { type Limits, maxRecordBytes } from './limits.js';
import { gyroColumns, type GyroColumns, phoneColumns, type PhoneColumns } from './phone-tracks.js';
import { accelColumns, type AccelColumns, gpsColumns, type GpsColumns } from './tracks.js';

/** One record, decoded and validated, its tracks as absolute columns. */
export interface RecordColumns {
  tenant: string;
  /** Gateway receive time, epoch ms (0 when absent). */
  receivedAtMs: number;
  deviceId: string;
  bootId: string;
  seq: number;
  /** Device send time, epoch ms (0 when absent). */
  sentAtMs: number;
  /** Empty columns when the batch has no such track. */
  gps: GpsColumns;
  accel: AccelColumns;
  /** null when the batch has no such track. */
  gyro: GyroColumns | null;
  phone: PhoneColumns | null;
  /** The batch's edge events as decoded (empty when none). */
  events: fleetwire.v1.IEdgeEvent[];
}

const NO_EVENTS: fleetwire.v1.IEdgeEvent[] = [];
const emptyGps = (): GpsColumns => gpsColumns(null);
const emptyAccel = (): AccelColumns => accelColumns(null);

/** Decodes and validates untrusted record bytes into columns. Never throws: a bad record gives `{ ok: false, error }`. */
export function decodeRecordColumns(bytes: Uint8Array, opts: DecodeOptions = {}): Result<RecordColumns> {
  return scanElseDecode(bytes, opts, scanRecord, (b, o) => {
    const r = decodeTelemetryRecord(b, o);
    return r.ok ? ok(columnsOfRecord(r.value)) : r;
  });
}

/** The columns of a record decoded by decodeTelemetryRecord (validated: its batch is there). */
export function columnsOfRecord(rec: fleetwire.v1.TelemetryRecord): RecordColumns {
  return { tenant: rec.tenant, receivedAtMs: Number(rec.receivedAtMs ?? 0), ...batchColumns(rec.batch!) };
}

/** The columns of a DeviceBatch decoded by decodeDeviceBatch (or inside a record). */
export function batchColumns(b: fleetwire.v1.IDeviceBatch): Omit<RecordColumns, 'tenant' | 'receivedAtMs'> {
  return {
    deviceId: b.deviceId ?? '',
    bootId: b.bootId ?? '',
    seq: Number(b.seq ?? 0),
    sentAtMs: Number(b.sentAtMs ?? 0),
    gps: gpsColumns(b.gps),
    accel: accelColumns(b.accel),
    gyro: b.gyro ? gyroColumns(b.gyro) : null,
    phone: b.phone ? phoneColumns(b.phone) : null,
    events: b.events ?? NO_EVENTS,
  };
}

/**
 * The one-pass read of a record when it is certainly valid, else null. Envelope fields: 1 tenant (an
 * identifier, as validateId checks it), 2 device_id, 4 client_id, 5 gateway_id, 8 source_format (strings, not
 * checked, as decodeTelemetryRecord does not), 3 received_at_ms, 7 transport (varints), 6 the batch.
 */
export function scanRecord(bytes: Uint8Array, limits: Limits, nowMs: number): RecordColumns | null {
  if (bytes.length === 0 || bytes.length > maxRecordBytes(limits)) return null;
  const sink: ColumnSink = newColumnSink();
  try {
    const c = new Cursor(bytes, 0, bytes.length);
    let tenant: string | null = null;
    let receivedAtMs = 0;
    let batch: ReturnType<typeof scanBatchAt> = null;
    while (c.pos < c.end) {
      const tag = c.tag(8);
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 3 || f === 7) {
        if (w !== 0) return null;
        if (f === 3) receivedAtMs = c.sint64();
        else c.u32();
        continue;
      }
      if (w !== 2) return null;
      if (f === 1) tenant = id(c, limits);
      else if (f === 6) {
        const e = c.len();
        batch = scanBatchAt(bytes, c.pos, e, limits, nowMs, sink);
        if (!batch) return null;
        c.pos = e;
      } else c.pos = c.len();
    }
    if (tenant === null || batch === null) return null;
    return {
      tenant,
      receivedAtMs,
      deviceId: batch.deviceId,
      bootId: batch.bootId,
      seq: batch.seq,
      sentAtMs: sink.sentAtMs,
      gps: sink.gps ?? emptyGps(),
      accel: sink.accel ?? emptyAccel(),
      gyro: sink.gyro,
      phone: sink.phone,
      events: NO_EVENTS,
    };
  } catch (e) {
    if (e === UNSURE) return null;
    throw e;
  }
}
