// Checks that a kafkajs send acknowledged every partition it wrote to. Shared by the gateway's Kafka sink
// (PUBACK only after the ack) and the scorer's publisher (outbox row deleted only after the ack).
//
// kafkajs 2.2.4 keeps one response slot per broker across the retries of a send: when a partition's
// leader moves to a broker that already answered for other partitions of the same send, the retry skips
// that partition and send() resolves without it (tulios/kafkajs#1303; the fix, PR #1798, is unreleased).
// The records were never written, but the gateway would PUBACK them (and the scorer drop its outbox row).
// Measured in the chaos suite: a rolling restart of a 3-node cluster lost one acknowledged batch before this
// check.
// So the partitioner records where each message went, and a send counts as done only when its result
// has an errorCode 0 entry for every one of those partitions.
// Structural types only (kafkajs' ICustomPartitioner, Message and RecordMetadata fit), so this package does
// not depend on kafkajs.
// kafkajs' partitioner: a factory of (args: { topic, partitionMetadata, message }) => partition.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PartitionerFactory = () => (args: any) => number;
export interface PartitionAck {
  partition: number;
  errorCode: number;
}

export class UnackedPartitionsError extends Error {
  override readonly name = 'UnackedPartitionsError';
}

/** Wraps a partitioner factory so every assignment is remembered for the message object. */
export function recordingPartitioner<F extends PartitionerFactory>(factory: F, seen: WeakMap<object, number>): F {
  return (() => {
    const inner = factory();
    return (args: { message: object }) => {
      const p = inner(args);
      seen.set(args.message, p);
      return p;
    };
  }) as F;
}

/** Partitions the messages were last assigned to that the send result does not acknowledge. */
export function unackedPartitions(messages: readonly object[], seen: WeakMap<object, number>, result: readonly PartitionAck[]): number[] {
  const want = new Set<number>();
  for (const m of messages) {
    const p = seen.get(m);
    if (p !== undefined) want.add(p);
  }
  for (const r of result) if (r.errorCode === 0) want.delete(r.partition);
  return [...want].sort((a, b) => a - b);
}
