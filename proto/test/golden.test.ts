// Golden bytes: the wire format of a fixed batch must never change by accident. Other language
// implementations (C firmware, Kotlin/Swift apps) check against the same vector in
// proto/testdata/golden-device-batch.hex.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDeviceBatch, encodeDeviceBatch, unpackGps } from '../src/index.js';
import { sampleBatch, T0 } from './fixtures.js';

const hexFile = new URL('../testdata/golden-device-batch.hex', import.meta.url);
const golden = readFileSync(hexFile, 'utf8').trim();

describe('golden DeviceBatch bytes', () => {
  it('encoding the fixture gives the committed bytes', () => {
    expect(Buffer.from(encodeDeviceBatch(sampleBatch())).toString('hex')).toBe(golden);
  });
  it('the committed bytes decode to the fixture', () => {
    const r = decodeDeviceBatch(Buffer.from(golden, 'hex'), { nowMs: T0 + 60_000 });
    if (!r.ok) throw r.error;
    expect(r.value.seq).toBe(42);
    expect(unpackGps(r.value.gps)[2]?.lon).toBeCloseTo(13.405366, 7);
  });
});
