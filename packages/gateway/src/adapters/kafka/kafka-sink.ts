// Kafka TelemetrySink: kafkajs idempotent producer (acks=all, one request in flight per broker so
// ordering holds across retries), key = device id, headers `schema` and `tenant`.
import { KAFKA_TOPICS, provisionTopics, SCHEMAS } from '@fleetwire/proto';
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
  replicationFactor?: number;
  /** Wait between reconnect attempts while Kafka is unreachable. */
  reconnectDelayMs?: number;
  connectionTimeoutMs?: number;
  /** Period (and timeout) of the cluster-metadata probe behind isReady(); 0 disables. Default 5000. */
  healthProbeMs?: number;
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
  private readonly producer: Producer;
  private connected = false;
  private closed = false;
  private connecting: Promise<void> | null = null;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  /** Last send or health probe failed: kafkajs emits no event when a broker dies under a connected producer. */
  private failing = false;
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
    this.producer = this.kafka.producer({ ...GATEWAY_PRODUCER });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
      if (!this.closed) this.scheduleConnect();
    });
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
      await Promise.race([
        this.admin.connect().then(() => this.admin!.describeCluster()),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no metadata answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.o.logger?.warn({ err: (e as Error).message }, 'kafka health probe failed; not ready');
      this.failing = true;
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
        if (this.o.createTopics) await this.ensureTopics();
        await this.producer.connect();
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
      const spec = (topic: string) => ({ topic, numPartitions: this.o.numPartitions ?? 6, replicationFactor: this.o.replicationFactor ?? 1 });
      await provisionTopics(admin, [spec(this.topics.telemetry), spec(this.topics.deadletter)]);
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
    try {
      await this.producer.send({ topic, acks: -1, messages: toMessages(records, schema, this.keys) });
      this.failing = false;
    } catch (e) {
      this.failing = true;
      throw e;
    }
  }

  send(records: readonly SinkRecord[]): Promise<void> {
    return this.write(this.topics.telemetry, SCHEMAS.telemetry, records);
  }

  deadLetter(records: readonly SinkRecord[]): Promise<void> {
    return this.write(this.topics.deadletter, SCHEMAS.deadletter, records);
  }

  isReady(): boolean {
    return this.connected && !this.closed && !this.failing;
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
