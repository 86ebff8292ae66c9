// Partner JSON with the phone-grade signals of issue 17: gyro, app phone states, phone_use and crash events,
// converted to the same DeviceBatch the SDK sends and checked by the same validation (and one-pass scan).
import { checkDeviceBatch, encodeDeviceBatch, fleetwire, unpackGyro, unpackPhone } from '@fleetwire/proto';
import { describe, expect, it } from 'vitest';
import { partnerJsonToBatch } from '../src/core/partner-json.js';
import { validateUplink } from '../src/core/uplink.js';

const now = Date.UTC(2026, 0, 1);
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const base = { boot_id: 'b1', seq: 7, sent_at: now, gps: [{ t: now - 1000, lat: 48.1, lon: 11.5, speed: 12 }] };

describe('partner JSON: gyro, phone states, phone use and crash', () => {
  it('converts gyro (deg/s, own rate) and phone states into their tracks', () => {
    const r = partnerJsonToBatch(
      enc({
        ...base,
        gyro: [
          { t: now - 1000, x: 1.5, y: -2, z: 30.25 },
          { t: now - 980, x: 1, y: 0, z: 29 },
        ],
        gyro_rate_hz: 50,
        phone: [
          { t: now - 900, state: 'unlocked' },
          { t: now - 500, state: 'handling' },
        ],
        events: [
          { type: 'phone_use', t: now - 900, duration_ms: 4000, peak: 1 },
          { type: 'crash', t: now - 800, peak: 4200, speed: 14 },
        ],
      }),
      'dev-1',
      undefined,
      now,
    );
    if (!r.ok) throw r.error;
    expect(unpackGyro(r.batch.gyro)).toEqual([
      { t: now - 1000, x: 1.5, y: -2, z: 30.25 },
      { t: now - 980, x: 1, y: 0, z: 29 },
    ]);
    expect(r.batch.gyro!.rateHz).toBe(50);
    expect(unpackPhone(r.batch.phone).map((p) => p.state)).toEqual(['unlocked', 'handling']);
    expect(r.batch.events!.map((e) => e.type)).toEqual([fleetwire.v1.EventType.EVENT_TYPE_PHONE_USE, fleetwire.v1.EventType.EVENT_TYPE_CRASH]);
    expect(checkDeviceBatch(encodeDeviceBatch(r.batch), { nowMs: now }).ok).toBe(true);
  });
  it('rejects bad values with a reason', () => {
    const code = (o: object) => {
      const r = partnerJsonToBatch(enc({ ...base, ...o }), 'dev-1', undefined, now);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code({ gyro: [{ t: now, x: 20_000, y: 0, z: 0 }] })).toBe('value_out_of_range');
    expect(code({ gyro: [{ t: now, x: 1, y: 0 }] })).toBe('json_invalid');
    expect(
      code({
        gyro: [
          { t: now, x: 1, y: 0, z: 0 },
          { t: now - 5, x: 1, y: 0, z: 0 },
        ],
      }),
    ).toBe('time_not_monotonic');
    expect(code({ gyro_rate_hz: 1.5 })).toBe('value_out_of_range');
    expect(code({ phone: [{ t: now, state: 'dancing' }] })).toBe('value_out_of_range');
    expect(code({ phone: [{ t: now }] })).toBe('json_invalid');
    expect(code({ phone: [{ t: now + 3 * 86_400_000, state: 'locked' }] })).toBe('time_out_of_range');
  });
  it('the gateway accepts the converted batch on up/json like any other', () => {
    const v = validateUplink('json', 'dev-1', enc({ ...base, phone: [{ t: now - 100, state: 'call_start' }] }), undefined, now);
    expect(v.ok).toBe(true);
  });
});
