// The record decode the scorer uses (decodeRecordColumns: one-pass scan when sure, else the full decode) against
// the full decode (decodeTelemetryRecord, then columnsOfRecord): the scan may only accept what the full decode
// accepts and must then give the same columns; it must accept every valid canonical record without edge events;
// and decodeRecordColumns must give the full decode's verdict and reason code on everything, mutated bytes too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  columnsOfRecord,
  decodeRecordColumns,
  decodeTelemetryRecord,
  encodeDeviceBatch,
  encodeTelemetryRecord,
  type fleetwire,
  type ITelemetryRecord,
  scanRecord,
} from '../src/index.js';
import { batchArb, idArb, limits, NOW, validBatchArb } from './arbitraries.js';
import { phoneBatch, sampleBatch, T0 } from './fixtures.js';

const opts = { limits, nowMs: NOW };

function agree(bytes: Uint8Array): void {
  const full = decodeTelemetryRecord(bytes, opts);
  const fast = scanRecord(bytes, limits, NOW);
  if (fast) {
    expect(full.ok, `scan accepted what the decoder rejects: ${full.ok ? '' : full.error.code}`).toBe(true);
    if (full.ok) expect(fast).toEqual(columnsOfRecord(full.value));
  }
  const r = decodeRecordColumns(bytes, opts);
  expect(r.ok).toBe(full.ok);
  if (r.ok && full.ok) expect(r.value).toEqual(columnsOfRecord(full.value));
  if (!r.ok && !full.ok) expect(r.error.code).toBe(full.error.code);
}

const metaArb = fc.record(
  {
    tenant: idArb,
    deviceId: fc.string({ maxLength: 8 }),
    receivedAtMs: fc.oneof(fc.constant(T0), fc.integer({ min: -1e12, max: 1e13 })),
    clientId: fc.string({ maxLength: 8 }),
    gatewayId: fc.string({ maxLength: 8 }),
    transport: fc.integer({ min: 0, max: 4 }),
    sourceFormat: fc.constantFrom('batch', 'json', ''),
  },
  { requiredKeys: [] },
);

const record = (meta: ITelemetryRecord, batch: fleetwire.v1.IDeviceBatch) => encodeTelemetryRecord(meta, encodeDeviceBatch(batch));
const META: ITelemetryRecord = { tenant: 'acme', deviceId: 'dev-0001', receivedAtMs: T0 + 1000, gatewayId: 'gw-1', transport: 1, sourceFormat: 'batch' };

describe('decodeRecordColumns', () => {
  it('reads a phone batch in one pass, with the columns of the full decode', () => {
    const bytes = record(META, { ...phoneBatch(), events: [] });
    const fast = scanRecord(bytes, limits, NOW);
    expect(fast).not.toBeNull();
    expect(fast).toMatchObject({ tenant: 'acme', receivedAtMs: T0 + 1000, deviceId: 'dev-0001', events: [] });
    expect(fast!.gyro).not.toBeNull();
    expect(fast!.phone).not.toBeNull();
    agree(bytes);
  });

  it('leaves edge events and non-canonical envelopes to the full decode', () => {
    const withEvents = record(META, sampleBatch());
    expect(scanRecord(withEvents, limits, NOW)).toBeNull();
    const r = decodeRecordColumns(withEvents, opts);
    expect(r.ok && r.value.events.length).toBeGreaterThan(0);
    // tenant twice: the last one wins in protobuf; the scan does not guess.
    const twice = new Uint8Array([...record(META, { ...sampleBatch(), events: [] }), 0x0a, 0x01, 0x62]);
    expect(scanRecord(twice, limits, NOW)).toBeNull();
    expect(decodeRecordColumns(twice, opts)).toMatchObject({ ok: true, value: { tenant: 'b' } });
    // An unknown envelope field (9, varint) is skipped by the full decode.
    const unknown = new Uint8Array([...record(META, { ...sampleBatch(), events: [] }), 0x48, 0x01]);
    expect(scanRecord(unknown, limits, NOW)).toBeNull();
    expect(decodeRecordColumns(unknown, opts).ok).toBe(true);
  });

  it('gives the full decode reasons for bad records', () => {
    const good = { ...sampleBatch(), events: [] };
    expect(decodeRecordColumns(record({ ...META, tenant: 'a b' }, good), opts)).toMatchObject({ ok: false, error: { code: 'bad_identifier' } });
    expect(decodeRecordColumns(record({ ...META, tenant: '' }, good), opts)).toMatchObject({ ok: false, error: { code: 'missing_field' } });
    expect(decodeRecordColumns(record(META, { ...good, deviceId: '' }), opts)).toMatchObject({ ok: false, error: { code: 'missing_field' } });
    // No batch at all.
    const w = encodeTelemetryRecord(META, new Uint8Array(0)).slice(0, -2);
    expect(decodeRecordColumns(w, opts)).toMatchObject({ ok: false, error: { code: 'missing_field' } });
    expect(decodeRecordColumns(new Uint8Array(0), opts)).toMatchObject({ ok: false, error: { code: 'payload_empty' } });
    expect(decodeRecordColumns(new Uint8Array([0x32, 0x7f]), opts)).toMatchObject({ ok: false, error: { code: 'decode_failed' } });
  });

  it('agrees with the full decode on random records (most aim at a bound), and reads every valid one without events in one pass', () => {
    fc.assert(
      fc.property(metaArb, batchArb, (meta, b) => {
        const bytes = record(meta as ITelemetryRecord, b as fleetwire.v1.IDeviceBatch);
        agree(bytes);
        const full = decodeTelemetryRecord(bytes, opts);
        if (full.ok && full.value.batch!.events.length === 0) expect(scanRecord(bytes, limits, NOW)).not.toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every valid random record in one pass, with the full decode columns', () => {
    fc.assert(
      fc.property(metaArb, validBatchArb, (meta, b) => {
        const bytes = record({ ...meta, tenant: 'fleet-1' } as ITelemetryRecord, b as fleetwire.v1.IDeviceBatch);
        const full = decodeTelemetryRecord(bytes, opts);
        expect(full.ok, full.ok ? '' : full.error.message).toBe(true);
        expect(scanRecord(bytes, limits, NOW)).toEqual(columnsOfRecord((full as { value: fleetwire.v1.TelemetryRecord }).value));
        agree(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the full decode on mutated bytes (bytes changed, cut, or inserted)', () => {
    const base = record(META, { ...phoneBatch(), events: [] });
    const edit = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('set', 'cut', 'insert'),
      byte: fc.integer({ min: 0, max: 255 }),
      n: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let b = Array.from(base);
        for (const e of edits) {
          const i = e.at % b.length;
          if (e.kind === 'set') b[i] = e.byte;
          else if (e.kind === 'cut') b = [...b.slice(0, i), ...b.slice(i + e.n)];
          else b = [...b.slice(0, i), ...Array<number>(e.n).fill(e.byte), ...b.slice(i)];
        }
        agree(new Uint8Array(b));
      }),
      { numRuns: 3000 },
    );
  });
});
