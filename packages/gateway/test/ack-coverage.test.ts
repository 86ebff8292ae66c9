// The partition-coverage check behind KafkaSink.write: a send counts as acknowledged only when its result
// has an errorCode 0 entry for every partition its messages were assigned to (kafkajs 2.2.4 can resolve a
// send that skipped a partition whose leader moved during a retry).
import type { Message, PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordingPartitioner, unackedPartitions } from '@fleetwire/proto';
import { KeyHashPartitioner } from '../src/adapters/kafka/keys.js';

const meta = (n: number) => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
const msg = (key: string): Message => ({ key: Buffer.from(key), value: Buffer.from('v') });

describe('ack coverage', () => {
  it('records the partition the wrapped partitioner chose for each message, choosing the same', () => {
    const seen = new WeakMap<Message, number>();
    const wrapped = recordingPartitioner(KeyHashPartitioner, seen)();
    const plain = KeyHashPartitioner();
    const messages = Array.from({ length: 50 }, (_, i) => msg(`dev-${i}`));
    for (const m of messages) {
      const args = { topic: 't', partitionMetadata: meta(6), message: m } as PartitionerArgs;
      expect(wrapped(args)).toBe(plain(args));
      expect(seen.get(m)).toBe(plain(args));
    }
    // a retry re-partitions: the last assignment is the one that counts
    wrapped({ topic: 't', partitionMetadata: meta(1), message: messages[0]! } as PartitionerArgs);
    expect(seen.get(messages[0]!)).toBe(0);
  });

  it('names the partitions a send result leaves out or reports with an error', () => {
    const seen = new WeakMap<Message, number>();
    const ms = [msg('a'), msg('b'), msg('c'), msg('d')];
    [0, 2, 2, 5].forEach((p, i) => seen.set(ms[i]!, p));
    const ok = (partition: number, errorCode = 0) => ({ topicName: 't', partition, errorCode });
    expect(unackedPartitions(ms, seen, [ok(0), ok(2), ok(5)])).toEqual([]);
    expect(unackedPartitions(ms, seen, [ok(0), ok(2)])).toEqual([5]);
    expect(unackedPartitions(ms, seen, [ok(5), ok(2, 6)])).toEqual([0, 2]);
    expect(unackedPartitions(ms, seen, [])).toEqual([0, 2, 5]);
    // messages never partitioned (the send failed before) ask for nothing
    expect(unackedPartitions([msg('x')], seen, [])).toEqual([]);
  });
});
