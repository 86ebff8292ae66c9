// Issue 17 on the wire: gyroscope and phone-state tracks, PHONE_USE and CRASH (with its data window), their
// bounds in the full validation, golden bytes, and backward compatibility with batches written before them.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  checkDeviceBatch,
  decodeDeviceBatch,
  encodeDeviceBatch,
  fleetwire,
  gyroColumns,
  packGyro,
  packPhone,
  phoneColumns,
  scanDeviceBatch,
  resolveLimits,
  unpackAccel,
  unpackGps,
  unpackGyro,
  unpackPhone,
} from '../src/index.js';
import { gyroSamples, phoneBatch, phoneSamples, sampleBatch, T0 } from './fixtures.js';

const NOW = T0 + 60_000;
const limits = resolveLimits();
const golden = readFileSync(new URL('../testdata/golden-device-batch-phone.hex', import.meta.url), 'utf8').trim();
const goldenV1 = readFileSync(new URL('../testdata/golden-device-batch.hex', import.meta.url), 'utf8').trim();

describe('gyroscope and phone tracks', () => {
  it('round-trip at wire precision (milli-deg/s, ms), with their own rate', () => {
    const r = decodeDeviceBatch(encodeDeviceBatch(phoneBatch()), { nowMs: NOW });
    if (!r.ok) throw r.error;
    const g = unpackGyro(r.value.gyro);
    expect(g.map((s) => s.t)).toEqual(gyroSamples.map((s) => s.t));
    g.forEach((s, i) => {
      expect(s.x).toBeCloseTo(gyroSamples[i]!.x, 3);
      expect(s.z).toBeCloseTo(gyroSamples[i]!.z, 3);
    });
    expect(r.value.gyro?.rateHz).toBe(50);
    expect(unpackPhone(r.value.phone)).toEqual(phoneSamples);
    expect(gyroColumns(r.value.gyro).zMdps[1]).toBe(Math.round(Math.sin(1) * 12_000));
    expect([...phoneColumns(r.value.phone).state]).toEqual([2, 3, 7, 4]);
    const crash = r.value.events[0]!.crash!;
    expect(crash.deltaVCms).toBe(410);
    expect(unpackAccel(crash.accel).length).toBe(5);
    expect(unpackGps(crash.gps).length).toBe(2);
    expect(r.value.events[1]!.type).toBe(fleetwire.v1.EventType.EVENT_TYPE_PHONE_USE);
  });

  it('golden bytes: the phone batch encodes to the committed vector, and the v1 vector is unchanged', () => {
    expect(Buffer.from(encodeDeviceBatch(phoneBatch())).toString('hex')).toBe(golden);
    expect(Buffer.from(encodeDeviceBatch(sampleBatch())).toString('hex')).toBe(goldenV1);
  });

  it('backward compatible: the schema before issue 17 (testdata copy) reads the phone batch, new fields skipped', () => {
    const root = protobuf.parse(readFileSync(new URL('../testdata/device-v1-before-phone.proto', import.meta.url), 'utf8')).root;
    const OldBatch = root.lookupType('fleetwire.v1.DeviceBatch');
    const old = OldBatch.toObject(OldBatch.decode(Buffer.from(golden, 'hex')), { longs: Number }) as {
      seq: number;
      gps: { latDeltaE7: number[] };
      events: { type: number }[];
    };
    expect(old.seq).toBe(43);
    expect(old.gps.latDeltaE7).toEqual(phoneBatch().gps.latDeltaE7);
    expect(old.events.map((e) => e.type)).toEqual([7, 8]);
    // ...and what the old schema writes decodes the same with the new one.
    const oldBytes = OldBatch.encode(OldBatch.fromObject(sampleBatch())).finish();
    const r = decodeDeviceBatch(oldBytes, { nowMs: NOW });
    if (!r.ok) throw r.error;
    expect(!r.value.gyro && !r.value.phone).toBe(true);
    expect(unpackGps(r.value.gps)).toEqual(unpackGps(sampleBatch().gps));
    // The v1 golden vector still decodes with the new schema.
    expect(decodeDeviceBatch(Buffer.from(goldenV1, 'hex'), { nowMs: NOW }).ok).toBe(true);
  });

  it('the one-pass scan accepts gyro and phone tracks and agrees with the full decode', () => {
    const b = { ...phoneBatch(), events: [] };
    const bytes = encodeDeviceBatch(b);
    expect(scanDeviceBatch(bytes, limits, NOW)).toEqual({ deviceId: 'dev-0001', bootId: 'b7c1', seq: 43 });
    expect(checkDeviceBatch(bytes, { limits, nowMs: NOW }).ok).toBe(true);
  });
});

describe('bounds of the new tracks', () => {
  const base = () => ({ ...phoneBatch(), events: [] as fleetwire.v1.IEdgeEvent[] });
  const check = (b: fleetwire.v1.IDeviceBatch) => {
    const bytes = encodeDeviceBatch(b);
    const full = decodeDeviceBatch(bytes, { limits, nowMs: NOW });
    const fast = scanDeviceBatch(bytes, limits, NOW);
    if ((b.events ?? []).length === 0) expect(fast !== null).toBe(full.ok);
    else expect(fast).toBeNull(); // edge events go through the full decode
    return full.ok ? 'ok' : full.error.code;
  };
  it('gyro: ±10,000 deg/s, equal columns, monotonic times, rate', () => {
    expect(check({ ...base(), gyro: packGyro([{ t: T0, x: 10_000, y: -10_000, z: 0 }]) })).toBe('ok');
    expect(check({ ...base(), gyro: packGyro([{ t: T0, x: 10_000.001, y: 0, z: 0 }]) })).toBe('value_out_of_range');
    const g = packGyro(gyroSamples, 50);
    g.zDeltaMdps!.pop();
    expect(check({ ...base(), gyro: g })).toBe('track_length_mismatch');
    const back = packGyro(gyroSamples, 50);
    back.tDeltaMs![3] = -1;
    expect(check({ ...base(), gyro: back })).toBe('time_not_monotonic');
    expect(check({ ...base(), gyro: packGyro(gyroSamples, 10_001) })).toBe('value_out_of_range');
    expect(check({ ...base(), gyro: packGyro([{ t: NOW + 2 * 86_400_000, x: 0, y: 0, z: 0 }]) })).toBe('time_out_of_range');
  });
  it('phone: known states only, one state a time', () => {
    const p = packPhone(phoneSamples);
    (p.state as number[])[1] = 8;
    expect(check({ ...base(), phone: p })).toBe('value_out_of_range');
    (p.state as number[])[1] = 0;
    expect(check({ ...base(), phone: p })).toBe('value_out_of_range');
    const short = packPhone(phoneSamples);
    short.state!.pop();
    expect(check({ ...base(), phone: short })).toBe('track_length_mismatch');
    expect(check({ ...base(), phone: packPhone([{ t: T0, state: 'handling' }]) })).toBe('ok');
  });
  it('crash info: only on CRASH events, its window tracks validated like the batch tracks', () => {
    const ev = phoneBatch().events;
    expect(check({ ...base(), events: ev })).toBe('ok');
    expect(check({ ...base(), events: [{ ...ev[1]!, crash: ev[0]!.crash }] })).toBe('value_out_of_range');
    const c0 = ev[0]!.crash!;
    const bad = { ...ev[0]!, crash: { ...c0, gps: { ...c0.gps, latDeltaE7: [910_000_000, 0] } } };
    expect(check({ ...base(), events: [bad] })).toBe('lat_out_of_range');
    expect(check({ ...base(), events: [{ ...ev[0]!, crash: { ...c0, directionDeg: 360 } }] })).toBe('value_out_of_range');
  });
});
