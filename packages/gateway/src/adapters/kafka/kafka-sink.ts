// Kafka TelemetrySink: kafkajs idempotent producer (acks=all, one request in flight per broker so
// ordering holds across retries), key = device id, headers `schema` and `tenant`.
import {
  KAFKA_TOPICS,
  provisionReplicatedTopics,
  recordingPartitioner,
  SCHEMAS,
  unackedPartitions,
  UnackedPartitionsError,
  type ReplicationSettings,
} from '@fleetwire/proto';
import { Kafka, logLevel, type Admin, type LogEntry, type Message, type Producer, type ProducerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import type { SinkRecord, TelemetrySink } from '../sink.js';
import { FleetwireError } from '@fleetwire/runtime';
import { KeyBytes, KeyHashPartitioner } from './keys.js';

export interface KafkaSinkOptions {
  brokers: string[];
  clientId?: string;
  topics?: { telemetry?: string; deadletter?: string };
  /** Create missing topics at start (needs admin rights). */
  createTopics?: boolean;
  numPartitions?: number;
  /** Replication factor and min.insync.replicas of created topics (default: both "auto", see @fleetwire/proto replication). */
  replication?: ReplicationSettings;
  /** Wait between reconnect attempts while Kafka is unreachable. */
  reconnectDelayMs?: number;
  connectionTimeoutMs?: number;
  /** Period (and timeout) of the cluster-metadata probe behind isReady(); 0 disables. Default 5000. */
  healthProbeMs?: number;
  /** Not ready while a write has waited this long for its acks=all acknowledgement. Default 10000. */
  stallMs?: number;
  logger?: Logger;
}

/** The gateway's producer settings; the benches' Kafka-only baselines use the same. */
export const GATEWAY_PRODUCER: Readonly<ProducerConfig> = Object.freeze({
  idempotent: true,
  maxInFlightRequests: 1,
  // Java-compatible murmur2 on the key (device id): same partition as any other client would pick
  // (kafkajs' DefaultPartitioner, without its per-record allocations).
  createPartitioner: KeyHashPartitioner,
  allowAutoTopicCreation: false,
  // Idempotent producers retry "forever" by default; bound the time of one send so a long outage
  // surfaces as an error (the gateway then drops the clients, which resend after reconnecting).
  retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3000 },
});

/** One line for /readyz and logs: the Kafka error code(s) of an error and its causes, then its message. */
export function kafkaErrorText(e: unknown): string {
  const parts: string[] = [];
  let cur = e as { type?: unknown; message?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; cur && depth < 4; depth++) {
    const type = typeof cur.type === 'string' ? cur.type : '';
    const msg = typeof cur.message === 'string' ? cur.message : String(cur);
    const text = type ? `${type} (${msg})` : msg;
    if (!parts.includes(text)) parts.push(text);
    cur = (cur.cause ?? cur.originalError) as typeof cur;
  }
  return parts.join(' <- ').slice(0, 300);
}

class SinkClosedError extends FleetwireError<'sink_closed'> {
  override readonly name = 'SinkClosedError';
  constructor(message: string) {
    super('sink_closed', message);
  }
}

// Header values as Buffers made once: kafkajs then copies bytes instead of measuring and encoding
// the same strings for every record.
const headerBytes = new Map<string, Buffer>();
function bytesOf(s: string): Buffer {
  let b = headerBytes.get(s);
  if (!b) {
    if (headerBytes.size >= 10_000) headerBytes.clear(); // tenants and schemas are few; bound it anyway
    b = Buffer.from(s);
    headerBytes.set(s, b);
  }
  return b;
}

function toMessages(records: readonly SinkRecord[], schema: string, keys: KeyBytes): Message[] {
  const schemaBytes = bytesOf(schema);
  return records.map((r) => ({
    key: keys.of(r.key),
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: { schema: schemaBytes, tenant: bytesOf(r.tenant) },
  }));
}

export class KafkaSink implements TelemetrySink {
  readonly name = 'kafka';
  readonly topics: { telemetry: string; deadletter: string };
  private readonly kafka: Kafka;
  private producer: Producer;
  /** Where the partitioner put each message of a send (checked against the send's result). */
  private readonly assigned = new WeakMap<Message, number>();
  /** Producers replaced after a failed write (fresh producer id and sequence numbers). */
  resets = 0;
  private connected = false;
  private closed = false;
  private connecting: Promise<void> | null = null;
  private topicsEnsured = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  // Readiness: kafkajs emits no event when a broker dies under a connected producer, so it follows the
  // writes (last failure, the oldest write still waiting for acks=all) and a metadata probe.
  private sendFailure: { at: number; text: string } | null = null;
  private probeFailure: string | null = null;
  private readonly pending = new Map<number, number>();
  private writeSeq = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private admin: Admin | null = null;
  private readonly keys = new KeyBytes();

  constructor(private readonly o: KafkaSinkOptions) {
    if (o.brokers.length === 0) throw new TypeError('KafkaSink needs at least one broker');
    this.topics = { telemetry: o.topics?.telemetry ?? KAFKA_TOPICS.telemetry, deadletter: o.topics?.deadletter ?? KAFKA_TOPICS.deadletter };
    const log = o.logger;
    this.kafka = new Kafka({
      clientId: o.clientId ?? 'fleetwire-gateway',
      brokers: o.brokers,
      connectionTimeout: o.connectionTimeoutMs ?? 3000,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: () => (e: LogEntry) => {
        if (!log) return;
        const { message, ...rest } = e.log;
        // Connection errors repeat on every retry while Kafka is down: keep them at debug.
        const fn = e.namespace === 'Connection' ? log.debug.bind(log) : e.level <= logLevel.ERROR ? log.error.bind(log) : log.warn.bind(log);
        fn({ kafka: e.namespace, ...rest }, message);
      },
    });
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const p = this.kafka.producer({ ...GATEWAY_PRODUCER, createPartitioner: recordingPartitioner(GATEWAY_PRODUCER.createPartitioner!, this.assigned) });
    p.on(p.events.DISCONNECT, () => {
      if (p !== this.producer) return; // a replaced producer
      this.connected = false;
      if (!this.closed) this.scheduleConnect();
    });
    return p;
  }

  /**
   * After a failed write the idempotent producer's sequence numbers are not to be trusted: kafkajs 2.2.4
   * rolls a partition's sequence back when a request fails, also when the broker had appended the batch
   * (a request timeout while acks=all waits for replicas, a connection cut after the append). The next,
   * different batch then reuses that sequence: the broker takes it for a duplicate and acks it without
   * writing it, or answers OUT_OF_ORDER_SEQUENCE_NUMBER to every later batch (seen with two of three
   * brokers down). A new producer gets a new producer id; the devices resend what was not acknowledged.
   */
  private replaceProducer(failed: Producer, why: string): void {
    if (failed !== this.producer || this.closed) return;
    this.producer = this.newProducer();
    this.connected = false;
    this.resets++;
    this.o.logger?.warn({ reason: why, resets: this.resets }, 'kafka write failed; replacing the producer (new producer id)');
    void failed.disconnect().catch(() => undefined);
    void this.connectOnce();
  }

  async start(): Promise<void> {
    await this.connectOnce();
    const every = this.o.healthProbeMs ?? 5000;
    if (every > 0) this.probeTimer = setInterval(() => void this.probe(every), every).unref();
  }

  /** Cluster metadata round trip, bounded in time: drives readiness while no uplink is flowing. */
  private async probe(timeoutMs: number): Promise<void> {
    if (this.probing || this.closed || !this.connected) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.admin ??= this.kafka.admin();
      const admin = this.admin;
      const leaderless = await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
          // A topic not created yet is no readiness verdict here (the writes say so); leaderless partitions are.
          const md = await admin.fetchTopicMetadata({ topics: [this.topics.telemetry] }).catch(() => ({ topics: [] }));
          return md.topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId));
        })(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no metadata answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      const failure = leaderless.length > 0 ? `${this.topics.telemetry} partition(s) ${leaderless.join(', ')} have no leader` : null;
      if (failure && !this.probeFailure) this.o.logger?.warn({ reason: failure }, 'kafka health probe: not ready');
      this.probeFailure = failure;
      // A write failure is forgotten once the probe has been fine for a while after it: with no uplink
      // flowing, nothing else would make the sink ready again.
      if (this.sendFailure && Date.now() - this.sendFailure.at >= 2 * timeoutMs) this.sendFailure = null;
    } catch (e) {
      if (!this.probeFailure) this.o.logger?.warn({ err: kafkaErrorText(e) }, 'kafka health probe failed; not ready');
      this.probeFailure = `health probe failed: ${kafkaErrorText(e)}`;
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  private scheduleConnect(): void {
    if (this.retryTimer || this.closed || this.connecting) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connectOnce();
    }, this.o.reconnectDelayMs ?? 1000);
  }

  private connectOnce(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      try {
        if (this.o.createTopics && !this.topicsEnsured) {
          await this.ensureTopics();
          this.topicsEnsured = true;
        }
        // The producer may be replaced while it connects: connect the current one.
        for (let p = this.producer; ; p = this.producer) {
          await p.connect();
          if (p === this.producer) break;
        }
        this.connected = true;
        const w = this.waiters.splice(0);
        for (const x of w) x.resolve();
      } catch (e) {
        this.connected = false;
        this.o.logger?.warn({ err: (e as Error).message }, 'kafka connect failed; retrying');
      } finally {
        this.connecting = null;
      }
      if (!this.connected) this.scheduleConnect();
    })();
    return this.connecting;
  }

  private async ensureTopics(): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const spec = (topic: string) => ({ topic, numPartitions: this.o.numPartitions ?? 6 });
      const r = await provisionReplicatedTopics(admin, [spec(this.topics.telemetry), spec(this.topics.deadletter)], this.o.replication ?? {});
      const log = this.o.logger;
      if (r.created.length > 0) log?.info({ topics: r.created, ...r.replication, brokers: r.brokers }, 'kafka topics created');
      if (r.created.length > 0 && r.replication.replicationFactor < 3)
        log?.warn(
          { ...r.replication, brokers: r.brokers },
          'kafka topics created with fewer than 3 replicas: one broker loss loses or blocks data (set FW_KAFKA_REPLICATION_FACTOR)',
        );
      for (const u of r.underReplicated)
        log?.warn(
          { topic: u.topic, replicas: u.replicas, want: r.replication.replicationFactor },
          'existing kafka topic has fewer replicas than configured; reassign its partitions (kafka-reassign-partitions) to raise it',
        );
    } finally {
      await admin.disconnect();
    }
  }

  private waitConnected(): Promise<void> {
    if (this.closed) return Promise.reject(new SinkClosedError('kafka sink is closed'));
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async write(topic: string, schema: string, records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.waitConnected();
    const id = ++this.writeSeq;
    this.pending.set(id, Date.now());
    const producer = this.producer;
    try {
      const messages = toMessages(records, schema, this.keys);
      const result = await producer.send({ topic, acks: -1, messages });
      const missing = unackedPartitions(messages, this.assigned, result);
      if (missing.length > 0)
        throw new UnackedPartitionsError(
          `kafkajs resolved the send without an ack for ${topic} partition(s) ${missing.join(', ')} (their leader moved during a retry)`,
        );
      this.sendFailure = null;
    } catch (e) {
      const text = kafkaErrorText(e);
      this.sendFailure = { at: Date.now(), text };
      this.replaceProducer(producer, text);
      throw e;
    } finally {
      this.pending.delete(id);
    }
  }

  send(records: readonly SinkRecord[]): Promise<void> {
    return this.write(this.topics.telemetry, SCHEMAS.telemetry, records);
  }

  deadLetter(records: readonly SinkRecord[]): Promise<void> {
    return this.write(this.topics.deadletter, SCHEMAS.deadletter, records);
  }

  isReady(): boolean {
    return this.notReadyReason() === null;
  }

  /** Why the sink cannot take writes now (for /readyz), or null when it can. */
  notReadyReason(): string | null {
    if (this.closed) return 'kafka sink closed';
    const now = Date.now();
    let oldest = Infinity;
    for (const t of this.pending.values()) oldest = Math.min(oldest, t);
    const stallMs = this.o.stallMs ?? 10_000;
    if (now - oldest >= stallMs) {
      return `a Kafka write has waited ${((now - oldest) / 1000).toFixed(0)} s for its acks=all acknowledgement (${this.pending.size} pending): partition leaders or in-sync replicas (min.insync.replicas) missing`;
    }
    if (this.sendFailure) return `last Kafka write failed ${((now - this.sendFailure.at) / 1000).toFixed(0)} s ago: ${this.sendFailure.text}`;
    if (!this.connected) return `not connected to Kafka (${this.o.brokers.join(',')})`;
    if (this.probeFailure) return `Kafka ${this.probeFailure}`;
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.admin?.disconnect().catch(() => undefined);
    const w = this.waiters.splice(0);
    for (const x of w) x.reject(new SinkClosedError('kafka sink closed while waiting for a connection'));
    if (this.connecting) await this.connecting.catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}
