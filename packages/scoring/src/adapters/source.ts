// The log the real-time scorer reads and writes: Kafka in production, an embedded log in the demo.

export interface SourceMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Offset as a decimal string (Kafka convention). */
  offset: string;
  timestamp?: string;
}

export interface SourceBatch {
  topic: string;
  partition: number;
  messages: SourceMessage[];
  /** Next offset the log will produce on this partition, when known (lag = highWatermark - last - 1). */
  highWatermark?: string;
}

export interface BatchControl {
  /** False once the source is stopping or lost the partition: stop retrying and return/throw. */
  isRunning(): boolean;
  /** Keeps the group membership alive during long retries. */
  heartbeat(): Promise<void>;
  /** Stop/restart fetching more data (used while the database is down). */
  pause(): void;
  resume(): void;
}

/**
 * Contract: the source calls `handler` with batches in log order per partition and commits the
 * batch's offsets only after the handler resolves. A handler that throws gets the same data again.
 */
export interface RecordSource {
  start(handler: (batch: SourceBatch, ctl: BatchControl) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  /** False while the source cannot deliver (e.g. a crashed consumer being restarted). */
  healthy?(): boolean;
  /** True once every record in the log when called has been handled and committed; false after ms. */
  drained?(ms?: number): Promise<boolean>;
}

export interface OutMessage {
  key: string;
  value: Uint8Array;
  headers?: Record<string, string>;
}

export interface Publisher {
  /** Resolves once every message is durably accepted (Kafka: acks=all). */
  send(topic: string, messages: OutMessage[]): Promise<void>;
}

/** A Publisher that keeps what it is sent (tests, demo). */
export class MemoryPublisher implements Publisher {
  readonly topics = new Map<string, OutMessage[]>();
  async send(topic: string, messages: OutMessage[]): Promise<void> {
    const list = this.topics.get(topic) ?? [];
    list.push(...messages);
    this.topics.set(topic, list);
  }
  get(topic: string): OutMessage[] {
    return this.topics.get(topic) ?? [];
  }
}

/** Discards everything: for wiring without an output log (outputs still reach Postgres and the cache). */
export class NullPublisher implements Publisher {
  sent = 0;
  async send(_topic: string, messages: OutMessage[]): Promise<void> {
    this.sent += messages.length;
  }
}
