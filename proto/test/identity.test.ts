// The one identity encoding: "<tenant>/<id>" never collides for different pairs; records must name a tenant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchKey, decodeTelemetryRecord, encodeDeviceBatch, encodeTelemetryRecord, identityKey, isValidSegment, parseIdentityKey } from '../src/index.js';

const segment = fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/);

describe('identityKey', () => {
  it('round-trips and never maps two different (tenant, id) pairs to one key', () => {
    fc.assert(
      fc.property(segment, segment, segment, segment, (t1, i1, t2, i2) => {
        expect(parseIdentityKey(identityKey(t1, i1))).toEqual({ tenant: t1, id: i1 });
        if (t1 !== t2 || i1 !== i2) expect(identityKey(t1, i1)).not.toBe(identityKey(t2, i2));
      }),
      { numRuns: 2000 },
    );
    // The cases a naive "tenant:id" or "tenant.id" join would confuse.
    expect(new Set([identityKey('a:b', 'c'), identityKey('a', 'b:c'), identityKey('a.b', 'c'), identityKey('a', 'b.c')]).size).toBe(4);
    expect(parseIdentityKey('no-slash')).toBeNull();
    expect(batchKey('acme', 'truck-1', 'boot', 7)).toBe('acme/truck-1/boot/7');
  });
  it('only joins segments, which cannot hold the separator', () => {
    expect(isValidSegment('a/b')).toBe(false);
  });
});

describe('decodeTelemetryRecord and the tenant', () => {
  const batch = encodeDeviceBatch({ deviceId: 'd1', bootId: 'b', seq: 1, sentAtMs: Date.now() });
  const rec = (tenant: string) => encodeTelemetryRecord({ tenant, deviceId: 'd1', receivedAtMs: Date.now() }, batch);
  it('refuses a record without a tenant, or with one that is not an identifier', () => {
    expect(decodeTelemetryRecord(rec('acme')).ok).toBe(true);
    expect(decodeTelemetryRecord(rec(''))).toMatchObject({ ok: false, error: { code: 'missing_field' } });
    expect(decodeTelemetryRecord(rec('a/b'))).toMatchObject({ ok: false, error: { code: 'bad_identifier' } });
  });
  it('checks times against the reader clock: a replay of old data passes, a far-future time does not', () => {
    const at = (t: number) =>
      encodeTelemetryRecord(
        { tenant: 'acme', deviceId: 'd1' },
        encodeDeviceBatch({ deviceId: 'd1', bootId: 'b', seq: 1, gps: { baseTimeMs: t, tDeltaMs: [0], latDeltaE7: [0], lonDeltaE7: [0] } }),
      );
    expect(decodeTelemetryRecord(at(Date.UTC(2001, 0, 1))).ok).toBe(true);
    expect(decodeTelemetryRecord(at(Date.now() + 3 * 86_400_000))).toMatchObject({ ok: false, error: { code: 'time_out_of_range' } });
  });
});
