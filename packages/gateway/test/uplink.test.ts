import { decodeDeviceBatch, encodeDeviceBatch, fleetwire, packGps, unpackGps } from '@fleetwire/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth, partnerJsonToBatch } from '../src/core/partner-json.js';
import { validateUplink } from '../src/core/uplink.js';
import { MicroBatcher } from '../src/core/micro-batcher.js';

const now = Date.UTC(2025, 5, 1);
const enc = (o: unknown) => Buffer.from(JSON.stringify(o));
const good = {
  boot_id: 'b1',
  seq: 7,
  sent_at: now,
  gps: [
    { t: now - 2000, lat: 48.1, lon: 11.5, speed: 13.9, heading: 270 },
    { t: now - 1000, lat: 48.1001, lon: 11.5002 },
  ],
  accel: [
    { t: now - 2000, x: 0.01, y: -0.02, z: 1 },
    { t: now - 1980, x: 0.02, y: -0.01, z: 0.98 },
  ],
  accel_rate_hz: 50,
  events: [{ type: 'harsh_braking', t: now - 1500, duration_ms: 800, peak: 450, lat: 48.1, lon: 11.5, speed: 12.5 }],
};

describe('partner JSON', () => {
  it('converts the documented shape to a valid DeviceBatch', () => {
    const r = validateUplink('json', 'dev-1', enc(good), undefined, now);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.sourceFormat).toBe('json');
    const d = decodeDeviceBatch(r.raw, { nowMs: now });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.deviceId).toBe('dev-1');
    expect(String(d.value.seq)).toBe('7');
    const gps = unpackGps(d.value.gps);
    expect(gps[1]).toMatchObject({ t: now - 1000, lat: 48.1001, lon: 11.5002 });
    expect(gps[0]!.speed).toBeCloseTo(13.9);
    expect(d.value.accel?.rateHz).toBe(50);
    expect(d.value.events[0]?.type).toBe(fleetwire.v1.EventType.EVENT_TYPE_HARSH_BRAKING);
    expect(d.value.events[0]?.latE7).toBe(481000000);
  });

  it.each([
    ['not json', Buffer.from('{nope'), 'json_invalid'],
    ['array root', enc([1]), 'json_invalid'],
    ['missing seq', enc({ ...good, seq: undefined }), 'json_invalid'],
    ['negative seq', enc({ ...good, seq: -1 }), 'json_invalid'],
    ['string lat', enc({ ...good, gps: [{ t: now, lat: '1', lon: 2 }] }), 'json_invalid'],
    ['lat range', enc({ ...good, gps: [{ t: now, lat: 91, lon: 2 }] }), 'lat_out_of_range'],
    ['device mismatch', enc({ ...good, device_id: 'other' }), 'json_invalid'],
    ['unknown event', enc({ ...good, events: [{ type: 'boom', t: now }] }), 'value_out_of_range'],
    ['time backwards', enc({ ...good, gps: [good.gps[1], good.gps[0]] }), 'time_not_monotonic'],
    ['time in 1970', enc({ ...good, sent_at: 5 }), 'time_out_of_range'],
    ['huge accel', enc({ ...good, accel: [{ t: now, x: 1e12, y: 0, z: 0 }] }), 'value_out_of_range'],
    ['too deep', Buffer.from('{"a":'.repeat(50) + '1' + '}'.repeat(50)), 'json_invalid'],
    ['not utf-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'json_invalid'],
    ['empty', Buffer.alloc(0), 'payload_empty'],
    ['too many events', enc({ ...good, events: new Array(1001).fill(good.events[0]) }), 'too_many_events'],
    ['bad boot id', enc({ ...good, boot_id: 'a b' }), 'bad_identifier'],
  ])('rejects %s', (_name, payload, code) => {
    const r = validateUplink('json', 'dev-1', payload, undefined, now);
    expect(r).toMatchObject({ ok: false, code });
  });

  it('carries a posted speed limit per fix into GpsTrack.speed_limit_cms (optional, backward compatible)', () => {
    const withLimit = { ...good, gps: [{ ...good.gps[0], speed_limit: 50 / 3.6 }, good.gps[1]] };
    const r = partnerJsonToBatch(enc(withLimit), 'dev-1', undefined, now);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.batch.gps!.speedLimitCms).toEqual([1389, 0]);
    const back = decodeDeviceBatch(encodeDeviceBatch(r.batch), { nowMs: now });
    expect(back.ok && unpackGps(back.value.gps).map((g) => g.speedLimit)).toEqual([13.89, undefined]);
    const without = partnerJsonToBatch(enc(good), 'dev-1', undefined, now);
    expect(without.ok && without.batch.gps!.speedLimitCms).toBeUndefined();
    const bad = partnerJsonToBatch(enc({ ...good, gps: [{ ...good.gps[0], speed_limit: 900 }] }), 'dev-1', undefined, now);
    expect(!bad.ok && bad.error.code).toBe('value_out_of_range');
  });
  it('checks size before parsing', () => {
    const big = Buffer.from(JSON.stringify({ ...good, agent: 'x'.repeat(2000) }));
    expect(partnerJsonToBatch(big, 'dev-1', { maxPayloadBytes: 1000 }, now)).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
  });

  it('measures depth ignoring brackets inside strings', () => {
    expect(jsonDepth('{"a":"[[[[[[[[["}', 10)).toBe(1);
    expect(jsonDepth('{"a":"\\"[[[["}', 10)).toBe(1);
    expect(jsonDepth('[[[1]]]', 10)).toBe(3);
  });

  it('never throws on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((s) => Buffer.from(s)),
          fc.anything().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        ),
        (bytes) => {
          const r = validateUplink('json', 'dev-1', bytes, undefined, now);
          if (!r.ok) expect(typeof r.reason).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('protobuf uplinks', () => {
  const batch = { deviceId: 'dev-1', bootId: 'b', seq: 1, sentAtMs: now, gps: packGps([{ t: now, lat: 1, lon: 2 }]) };
  it('accepts a valid batch verbatim', () => {
    const raw = encodeDeviceBatch(batch);
    const r = validateUplink('batch', 'dev-1', raw, undefined, now);
    expect(r).toMatchObject({ ok: true, deviceId: 'dev-1', bootId: 'b', seq: '1', sourceFormat: 'batch' });
    if (r.ok) expect(r.raw).toBe(raw);
  });
  it('rejects a payload naming another device', () => {
    expect(validateUplink('batch', 'dev-2', encodeDeviceBatch(batch), undefined, now)).toMatchObject({ ok: false, code: 'device_id_mismatch' });
  });
  it('rejects garbage and unknown kinds', () => {
    expect(validateUplink('batch', 'dev-1', Buffer.from([0xff, 0xff, 0xff]), undefined, now)).toMatchObject({ ok: false, code: 'decode_failed' });
    expect(validateUplink('csv', 'dev-1', Buffer.from('a'), undefined, now)).toMatchObject({ ok: false, code: 'unsupported_kind' });
  });
});

describe('MicroBatcher', () => {
  it('batches within the linger window and keeps order with one flush in flight', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const b = new MicroBatcher<number>({
      lingerMs: 5,
      maxBatch: 10,
      send: async (xs) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        sent.push(xs);
        inFlight--;
      },
    });
    await Promise.all(Array.from({ length: 35 }, (_, i) => b.add(i)));
    expect(sent.flat()).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(sent.length).toBeLessThan(35);
    expect(Math.max(...sent.map((s) => s.length))).toBeLessThanOrEqual(10);
    expect(maxInFlight).toBe(1);
  });

  it('gates: the batch waits for them before sending, leaves out items whose gate says no, and keeps the order', async () => {
    const sent: number[][] = [];
    const b = new MicroBatcher<number>({ lingerMs: 5, maxBatch: 100, send: async (xs) => void sent.push([...xs]) });
    let open!: (v: boolean) => void;
    const slow = new Promise<boolean>((r) => (open = r));
    const results = [
      b.add(1, Promise.resolve(true)),
      b.add(2, Promise.resolve(false)),
      b.add(3, slow), // the batch cannot go before this answer
      b.add(4), // no gate: always sent
      b.add(5, Promise.reject(new Error('lookup failed'))), // in doubt: sent
    ];
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toEqual([]); // linger is over, but item 3's gate is still open
    open(true);
    expect(await Promise.all(results)).toEqual([true, false, true, true, true]);
    expect(sent).toEqual([[1, 3, 4, 5]]);
    // A batch whose every gate says no makes no send at all.
    expect(await Promise.all([b.add(6, Promise.resolve(false)), b.add(7, Promise.resolve(false))])).toEqual([false, false]);
    expect(sent).toEqual([[1, 3, 4, 5]]);
  });

  it('a failed send rejects the gated items of its batch too', async () => {
    const b = new MicroBatcher<number>({ lingerMs: 1, maxBatch: 10, send: async () => Promise.reject(new Error('kafka down')) });
    const r = await Promise.allSettled([b.add(1, Promise.resolve(true)), b.add(2, Promise.resolve(false))]);
    expect(r[0]).toMatchObject({ status: 'rejected', reason: { message: 'kafka down' } });
    expect(r[1]).toEqual({ status: 'fulfilled', value: false }); // left out before the send: nothing to fail
  });

  it('after a send, a partial batch still lingers (steady load -> fewer, larger sends); a full one goes at once; close flushes', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number>({
      lingerMs: 25,
      maxBatch: 1000,
      send: async (xs) => {
        sizes.push(xs.length);
        await new Promise((r) => setTimeout(r, 3));
      },
    });
    const adds: Promise<boolean>[] = [];
    for (let i = 0; i < 60; i++) {
      adds.push(b.add(i));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(adds);
    // ~120 ms of adds every ~2 ms: a 3 ms send right after each other would make 20+ sends of ~1-2.
    expect(sizes.reduce((a, x) => a + x, 0)).toBe(60);
    expect(sizes.length).toBeLessThanOrEqual(8);

    const full: number[] = [];
    const f = new MicroBatcher<number>({ lingerMs: 10_000, maxBatch: 4, send: async (xs) => void full.push(xs.length) });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4].map((i) => f.add(i)));
    expect(full).toEqual([4]);
    const tail = f.add(5);
    await f.close();
    await tail;
    expect(full).toEqual([4, 1]);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('fails a batch and everything queued behind it, then recovers', async () => {
    let fail = true;
    const b = new MicroBatcher<number>({
      lingerMs: 1,
      maxBatch: 2,
      send: async () => {
        await new Promise((r) => setTimeout(r, 2));
        if (fail) throw new Error('down');
      },
    });
    const rs = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => b.add(i)));
    expect(rs.every((r) => r.status === 'rejected')).toBe(true);
    fail = false;
    await expect(b.add(6)).resolves.toBe(true);
  });

  it('times out unacknowledged batches and rejects adds after close', async () => {
    const b = new MicroBatcher<number>({ lingerMs: 0, maxBatch: 1, ackTimeoutMs: 20, send: () => new Promise((r) => setTimeout(r, 60)) });
    await expect(b.add(1)).rejects.toThrow(/did not acknowledge/);
    await b.close();
    await expect(b.add(2)).rejects.toThrow(/closed/);
  });
});
