import { describe, expect, it } from 'vitest';
import {
  decodeDeviceBatch,
  decodeTelemetryRecord,
  encodeDeviceBatch,
  encodeTelemetryRecord,
  fleetwire,
  packGps,
  resolveLimits,
  DEFAULT_LIMITS,
  unpackAccel,
  unpackGps,
} from '../src/index.js';
import { accelSamples, gpsSamples, sampleBatch, T0 } from './fixtures.js';

const NOW = T0 + 60_000;
const decode = (b: Uint8Array, limits = {}) => decodeDeviceBatch(b, { nowMs: NOW, limits });
const reencode = (patch: (b: ReturnType<typeof sampleBatch>) => void) => {
  const b = sampleBatch();
  patch(b);
  return encodeDeviceBatch(b);
};

describe('DeviceBatch round trip', () => {
  it('gives back every sample at wire precision', () => {
    const r = decode(encodeDeviceBatch(sampleBatch()));
    if (!r.ok) throw r.error;
    expect(r.value.deviceId).toBe('dev-0001');
    expect(r.value.seq).toBe(42);
    expect(typeof r.value.sentAtMs).toBe('number');
    const gps = unpackGps(r.value.gps);
    expect(gps).toHaveLength(3);
    gps.forEach((s, i) => {
      const o = gpsSamples[i]!;
      expect(s.t).toBe(o.t);
      expect(s.lat).toBeCloseTo(o.lat, 7);
      expect(s.lon).toBeCloseTo(o.lon, 7);
      expect(s.speed).toBeCloseTo(o.speed!, 2);
      expect(s.heading).toBeCloseTo(o.heading!, 2);
      expect(s.alt).toBeCloseTo(o.alt!, 1);
    });
    const acc = unpackAccel(r.value.accel);
    expect(acc.map((a) => a.t)).toEqual(accelSamples.map((a) => a.t));
    acc.forEach((a, i) => expect(a.x).toBeCloseTo(accelSamples[i]!.x, 3));
    expect(r.value.accel?.rateHz).toBe(50);
    expect(r.value.events[0]?.type).toBe(fleetwire.v1.EventType.EVENT_TYPE_HARSH_BRAKING);
  });

  it('keeps unknown speed/heading as absent', () => {
    const track = packGps([{ t: T0, lat: 1, lon: 2 }]);
    expect(unpackGps(track)[0]).toEqual({ t: T0, lat: 1, lon: 2 });
  });

  it('delta-encodes: a slow 1 Hz drive costs few bytes a sample', () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ t: T0 + i * 1000, lat: 52.5 + i * 1e-5, lon: 13.4 + i * 2e-5, speed: 14 + (i % 3), heading: 45 }));
    const bytes = encodeDeviceBatch({ deviceId: 'd', bootId: 'b', seq: 1, gps: packGps(many) });
    expect(bytes.length / many.length).toBeLessThan(16);
    const r = decode(bytes);
    expect(r.ok && unpackGps(r.value.gps).length).toBe(600);
  });

  it('wraps raw batch bytes in a TelemetryRecord without re-encoding', () => {
    const raw = encodeDeviceBatch(sampleBatch());
    const rec = encodeTelemetryRecord({ tenant: 'acme', deviceId: 'dev-0001', receivedAtMs: NOW, clientId: 'c1', transport: 1, sourceFormat: 'batch' }, raw);
    const d = decodeTelemetryRecord(rec);
    if (!d.ok) throw d.error;
    expect(d.value.tenant).toBe('acme');
    expect(d.value.batch?.seq).toBe(42);
    expect(fleetwire.v1.DeviceBatch.encode(d.value.batch!).finish()).toEqual(raw);
  });
});

describe('bad input is rejected with a reason, never thrown', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'payload_empty'],
    ['truncated', encodeDeviceBatch(sampleBatch()).subarray(0, 40), 'decode_failed'],
    ['garbage', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'decode_failed'],
    ['wrong wire type (varint where string expected)', new Uint8Array([0x08, 0x96, 0x01]), 'decode_failed'],
    ['lat out of range', reencode((b) => (b.gps.latDeltaE7![0] = 910_000_000)), 'lat_out_of_range'],
    ['lon out of range via deltas', reencode((b) => (b.gps.lonDeltaE7![2] = 1_900_000_000)), 'lon_out_of_range'],
    ['time goes backwards', reencode((b) => (b.gps.tDeltaMs![2] = -5)), 'time_not_monotonic'],
    ['time in the far future', reencode((b) => (b.gps.baseTimeMs = NOW + 3 * 86_400_000)), 'time_out_of_range'],
    ['time before 2000', reencode((b) => (b.accel.baseTimeMs = 1000)), 'time_out_of_range'],
    ['column lengths differ', reencode((b) => b.gps.lonDeltaE7!.pop()), 'track_length_mismatch'],
    ['absurd speed', reencode((b) => (b.gps.speedCms![0] = 50_000)), 'value_out_of_range'],
    ['absurd accel', reencode((b) => (b.accel.zDeltaMg![0] = 900_000)), 'value_out_of_range'],
    ['unknown event type', reencode((b) => (b.events[0]!.type = 99)), 'value_out_of_range'],
    ['bad device id', reencode((b) => (b.deviceId = 'dev/../x')), 'bad_identifier'],
    ['missing boot id', reencode((b) => (b.bootId = '')), 'missing_field'],
  ];
  it.each(cases)('%s', (_name, bytes, code) => {
    const r = decode(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(5);
    }
  });

  it('oversized payload is refused before decoding', () => {
    const r = decode(new Uint8Array(2000), { maxPayloadBytes: 1000 });
    expect(!r.ok && r.error.code).toBe('payload_too_large');
  });

  it('too many samples', () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ t: T0 + i, lat: 1, lon: 1 }));
    const r = decode(encodeDeviceBatch({ deviceId: 'd', bootId: 'b', seq: 1, gps: packGps(many) }), { maxSamplesPerTrack: 100 });
    expect(!r.ok && r.error.code).toBe('too_many_samples');
  });

  it('a TelemetryRecord without batch is rejected', () => {
    const bytes = fleetwire.v1.TelemetryRecord.encode({ tenant: 't', deviceId: 'd' }).finish();
    const r = decodeTelemetryRecord(bytes);
    expect(!r.ok && r.error.code).toBe('missing_field');
  });

  it('never throws on 5000 random byte strings', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rnd() * 64);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      const r = decode(bytes);
      if (!r.ok) expect(r.error.code).toMatch(/^[a-z_]+$/);
    }
  });
});

describe('resolveLimits', () => {
  it('applies overrides once and hands a resolved set back unchanged', () => {
    expect(resolveLimits()).toBe(DEFAULT_LIMITS);
    const l = resolveLimits({ maxEvents: 5 });
    expect(l).toEqual({ ...DEFAULT_LIMITS, maxEvents: 5 });
    expect(Object.isFrozen(l)).toBe(true);
    expect(resolveLimits(l)).toBe(l);
    const partial = { maxEvents: 7 };
    expect(resolveLimits(partial)).not.toBe(partial);
    expect(resolveLimits(partial).maxSamplesPerTrack).toBe(DEFAULT_LIMITS.maxSamplesPerTrack);
  });
});
