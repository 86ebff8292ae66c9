import { type Consumer, type ConsumerRunConfig, type EachBatchPayload, Kafka, Partitioners, type Producer, logLevel } from 'kafkajs';
import {
  provisionReplicatedTopics,
  recordingPartitioner,
  unackedPartitions,
  UnackedPartitionsError,
  type ReplicatedProvision,
  type ReplicationSettings,
} from '@fleetwire/proto';
import type { BatchControl, OutMessage, Publisher, RecordSource, SourceBatch } from '../source.js';

export interface KafkaOptions {
  brokers: string[];
  clientId?: string;
}

export function createKafka(o: KafkaOptions): Kafka {
  return new Kafka({ brokers: o.brokers, clientId: o.clientId ?? 'fw-scoring', logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

export interface KafkaSourceOptions {
  topic: string;
  groupId: string;
  /** Start from the earliest offset when the group has none (default true). */
  fromBeginning?: boolean;
  maxBytesPerPartition?: number;
  sessionTimeout?: number;
  /**
   * Partitions whose batches are handled at the same time (kafkajs partitionsConsumedConcurrently); one
   * partition's batches are always handled in order. Default 1. The real-time scorer's CLI uses 3
   * (FW_SCORING_CONCURRENCY): Node runs one batch's core while Postgres writes another's.
   */
  concurrency?: number;
}

/** kafkajs consumer group, autoCommit off: offsets are resolved and committed (explicitly) only after the handler resolved. */
export class KafkaSource implements RecordSource {
  readonly consumer: Consumer;
  private running = false;
  private readonly lags = new Map<string, number>();
  private runConfig: ConsumerRunConfig | null = null;
  /** Set while the consumer is down after a crash kafkajs will not restart by itself. */
  private crashed = false;
  /** Crashes with restart=false that this source restarted itself. */
  restarts = 0;

  constructor(
    private readonly kafka: Kafka,
    readonly opts: KafkaSourceOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeout ?? 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 2 * 1024 * 1024,
      // Short fetch wait: a shutdown (leave group) waits for the in-flight fetch.
      maxWaitTimeInMs: 1000,
      retry: { retries: 10 },
    });
    // kafkajs does not restart a consumer after a non-retriable error (it emits CRASH with
    // restart=false and stays stopped). Found by the chaos suite during a broker hang: restart it
    // ourselves from the committed offsets, with backoff, and report not-ready meanwhile.
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (e.payload.restart || !this.running) return;
      this.crashed = true;
      this.scheduleRestart(1000);
    });
  }

  private scheduleRestart(ms: number): void {
    setTimeout(() => {
      if (!this.running || !this.runConfig) return;
      this.restarts++;
      this.consumer
        .connect()
        .then(() => this.consumer.run(this.runConfig!))
        .then(() => (this.crashed = false))
        .catch(() => this.scheduleRestart(Math.min(30_000, ms * 2)));
    }, ms).unref();
  }

  /** Running and not stuck after a crash. */
  healthy(): boolean {
    return this.running && !this.crashed;
  }

  /** Lag per "topic/partition" as of the last batch seen. */
  lag(): Map<string, number> {
    return this.lags;
  }

  /**
   * True once the group has committed every record the topic held when this was called (each partition's
   * committed offset reached its high watermark of that moment); false when ms pass first. For "wait until
   * the scorer caught up" (demo, tests, drains) without guessing a delay.
   */
  async drained(ms = 30_000, everyMs = 100): Promise<boolean> {
    const end = Date.now() + ms;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const marks = await admin.fetchTopicOffsets(this.opts.topic);
      while (Date.now() < end) {
        const [mine] = await admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.topic] });
        const committed = new Map((mine?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        // -1: nothing committed yet. An empty partition (low == high) has nothing to wait for.
        if (marks.every((m) => BigInt(m.high) <= BigInt(m.low) || (committed.get(m.partition) ?? -1n) >= BigInt(m.high))) return true;
        await new Promise((r) => setTimeout(r, everyMs));
      }
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async start(handler: (batch: SourceBatch, ctl: BatchControl) => Promise<void>): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: this.opts.fromBeginning ?? true });
    this.running = true;
    const topic = this.opts.topic;
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.opts.concurrency ?? 1),
      eachBatch: async (p: EachBatchPayload) => {
        const { batch } = p;
        if (batch.messages.length === 0) return;
        const ctl: BatchControl = {
          isRunning: () => this.running && p.isRunning() && !p.isStale(),
          heartbeat: () => p.heartbeat(),
          pause: () => this.consumer.pause([{ topic }]),
          resume: () => this.consumer.resume([{ topic }]),
        };
        await handler({ topic: batch.topic, partition: batch.partition, messages: batch.messages, highWatermark: batch.highWatermark }, ctl);
        const last = batch.messages[batch.messages.length - 1]!;
        p.resolveOffset(last.offset);
        // With autoCommit off, commitOffsetsIfNecessary() is a no-op in kafkajs: commit explicitly.
        await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
        this.lags.set(`${batch.topic}/${batch.partition}`, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
      },
    };
    await this.consumer.run(this.runConfig);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }
}

/**
 * Idempotent producer, acks=all. Any failed send (or connect) throws and leaves this publisher with a
 * fresh producer for the next call: a rejected connect() must not be cached (every later send would fail
 * at once with the old error, which the chaos suite hit when the first publish fell inside a Kafka
 * outage), and a kafkajs producer does not always win its broker connection back after a broker restart.
 */
export class KafkaPublisher implements Publisher {
  private connected: Promise<void> | null = null;
  private producer: Producer;
  /** Producers replaced after a failure. */
  resets = 0;
  constructor(private readonly kafka: Kafka) {
    this.producer = this.create();
  }
  /** Where the partitioner put each message of a send (checked against the send's result). */
  private readonly assigned = new WeakMap<object, number>();
  private create(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: recordingPartitioner(Partitioners.DefaultPartitioner, this.assigned),
    });
  }
  async send(topic: string, messages: OutMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = this.producer;
    try {
      this.connected ??= producer.connect();
      await this.connected;
      const out = messages.map((m) => ({ key: m.key, value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength), headers: m.headers }));
      const result = await producer.send({ topic, acks: -1, messages: out });
      // kafkajs 2.2.4 may resolve a send that skipped a partition whose leader moved (proto ack-coverage): the
      // outbox row must stay until every partition acknowledged.
      const missing = unackedPartitions(out, this.assigned, result);
      if (missing.length > 0)
        throw new UnackedPartitionsError(
          `kafkajs resolved the send without an ack for ${topic} partition(s) ${missing.join(', ')} (their leader moved during a retry)`,
        );
    } catch (e) {
      if (this.producer === producer) {
        this.producer = this.create();
        this.connected = null;
        this.resets++;
        void producer.disconnect().catch(() => undefined);
      }
      throw e;
    }
  }
  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
  }
}

/** Creates the topics that do not exist yet (brokers may have auto-creation off). Returns those created. */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions = 3, replication: ReplicationSettings = {}): Promise<string[]> {
  return (await ensureReplicatedTopics(kafka, topics, numPartitions, replication)).created;
}

/**
 * ensureTopics with what it chose: replication factor and min.insync.replicas from `replication`
 * ("auto" by default: 3 and 2 on a cluster of 3 or more brokers, else all brokers and 1), and the
 * existing topics with fewer replicas than that (left unchanged).
 */
export async function ensureReplicatedTopics(
  kafka: Kafka,
  topics: string[],
  numPartitions = 3,
  replication: ReplicationSettings = {},
): Promise<ReplicatedProvision> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await provisionReplicatedTopics(
      admin,
      [...new Set(topics)].map((topic) => ({ topic, numPartitions })),
      replication,
    );
  } finally {
    await admin.disconnect();
  }
}
