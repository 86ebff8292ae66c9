// Encode/decode of DeviceBatch and the Kafka envelopes, with bounds checks on everything untrusted.
import protobuf from 'protobufjs/minimal.js';
import { fleetwire } from '../generated/fleetwire.js';
import { fail, ok, type Result } from './errors.js';
import { type Limits, maxRecordBytes, resolveLimits } from './limits.js';
import { validateDeviceBatch, validateId } from './validate.js';

const v1 = fleetwire.v1;
export type DeviceBatch = fleetwire.v1.DeviceBatch;
export type IDeviceBatch = fleetwire.v1.IDeviceBatch;

export function encodeDeviceBatch(batch: IDeviceBatch): Uint8Array {
  return v1.DeviceBatch.encode(batch).finish();
}

export interface DecodeOptions {
  limits?: Partial<Limits>;
  /** Clock for the future-skew check; defaults to Date.now(). */
  nowMs?: number;
}

/** Decodes and validates untrusted bytes. Never throws: a bad payload gives `{ ok: false, error }`. */
export function decodeDeviceBatch(bytes: Uint8Array, opts: DecodeOptions = {}): Result<DeviceBatch> {
  const limits = resolveLimits(opts.limits);
  if (!bytes || bytes.length === 0) return fail('payload_empty', 'payload is empty');
  if (bytes.length > limits.maxPayloadBytes) return fail('payload_too_large', `payload is ${bytes.length} bytes, limit ${limits.maxPayloadBytes}`);
  let batch: DeviceBatch;
  try {
    batch = v1.DeviceBatch.decode(bytes);
  } catch (e) {
    return fail('decode_failed', `not a fleetwire.v1.DeviceBatch: ${(e as Error).message}`);
  }
  const err = validateDeviceBatch(batch, limits, opts.nowMs ?? Date.now());
  return err ? { ok: false, error: err } : ok(batch);
}

export type ITelemetryRecord = Omit<fleetwire.v1.ITelemetryRecord, 'batch'>;

/**
 * Encodes a TelemetryRecord around batch bytes already validated, without re-encoding them:
 * field 6 (DeviceBatch) is length-delimited, so writing the raw bytes is wire-identical.
 */
export function encodeTelemetryRecord(meta: ITelemetryRecord, rawBatch: Uint8Array): Uint8Array {
  const w = protobuf.Writer.create();
  v1.TelemetryRecord.encode(meta as fleetwire.v1.ITelemetryRecord, w);
  w.uint32((6 << 3) | 2).bytes(rawBatch);
  return w.finish();
}

export function decodeTelemetryRecord(bytes: Uint8Array, opts: DecodeOptions = {}): Result<fleetwire.v1.TelemetryRecord> {
  const limits = resolveLimits(opts.limits);
  if (!bytes || bytes.length === 0) return fail('payload_empty', 'record is empty');
  if (bytes.length > maxRecordBytes(limits)) return fail('payload_too_large', `record is ${bytes.length} bytes`);
  let rec: fleetwire.v1.TelemetryRecord;
  try {
    rec = v1.TelemetryRecord.decode(bytes);
  } catch (e) {
    return fail('decode_failed', `not a fleetwire.v1.TelemetryRecord: ${(e as Error).message}`);
  }
  if (!rec.batch) return fail('missing_field', 'TelemetryRecord.batch is missing');
  // The tenant is part of the device's identity: a record must name one, as a topic segment.
  const tenantErr = validateId('tenant', rec.tenant, limits);
  if (tenantErr) return { ok: false, error: tenantErr };
  // The clock check runs against the reader's clock: a replay long after receipt holds old times, which pass;
  // a time far in the future (which no gateway accepted) would otherwise reach the database as is.
  const err = validateDeviceBatch(rec.batch, limits, opts.nowMs ?? Date.now());
  return err ? { ok: false, error: err } : ok(rec);
}
