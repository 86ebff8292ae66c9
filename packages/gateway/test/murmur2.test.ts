import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KeyBytes, KeyHashPartitioner } from '../src/adapters/kafka/keys.js';
import { murmur2, partitionForKey } from '../src/core/murmur2.js';

const meta = (n: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    partitionErrorCode: 0,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));

describe('murmur2', () => {
  it('matches the Java client (Kafka UtilsTest vectors)', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it('picks the partition kafkajs DefaultPartitioner picks, for any key bytes and partition count', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 1, max: 500 }), (bytes, n) => {
        const key = Buffer.from(bytes);
        expect(partitionForKey(key, n)).toBe(kafkajs({ topic: 't', partitionMetadata: meta(n), message: { key, value: null } }));
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes device-id strings (ASCII and multi-byte) like kafkajs does', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const ours = KeyHashPartitioner();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 32 })), fc.constantFrom(1, 3, 6, 12, 64), (key, n) => {
        const expected = kafkajs({ topic: 't', partitionMetadata: meta(n), message: { key, value: null } });
        expect(ours({ topic: 't', partitionMetadata: meta(n), message: { key, value: null } })).toBe(expected);
        expect(ours({ topic: 't', partitionMetadata: meta(n), message: { key: Buffer.from(key), value: null } })).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('KeyHashPartitioner', () => {
  it('keeps an explicit partition', () => {
    const p = KeyHashPartitioner();
    expect(p({ topic: 't', partitionMetadata: meta(6), message: { key: 'dev-1', value: null, partition: 4 } })).toBe(4);
  });

  it('spreads unkeyed records over partitions that have a leader', () => {
    const p = KeyHashPartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(p({ topic: 't', partitionMetadata: meta(4, [1]), message: { key: null, value: null } }));
    expect([...seen].sort()).toEqual([0, 2, 3]);
  });
});

describe('KeyBytes', () => {
  it('returns one Buffer per key, with the key UTF-8 encoded', () => {
    const k = new KeyBytes();
    const a = k.of('dev-ä-1');
    expect(a.equals(Buffer.from('dev-ä-1'))).toBe(true);
    expect(k.of('dev-ä-1')).toBe(a);
  });

  it('stays within its bound', () => {
    const k = new KeyBytes(10);
    for (let i = 0; i < 35; i++) k.of(`dev-${i}`);
    expect(k.size).toBeLessThanOrEqual(10);
    expect(k.of('dev-34').toString()).toBe('dev-34');
  });
});
