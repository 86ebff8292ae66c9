// Where accepted uplinks go. Kafka in production; an in-memory (or embedded log) sink elsewhere.

/** One message for the sink. `value` is an encoded fleetwire.v1.TelemetryRecord (send) or DeadLetter (deadLetter). */
export interface SinkRecord {
  tenant: string;
  /** Partition key: the device's identity "<tenant>/<device_id>" (proto identityKey). */
  key: string;
  value: Uint8Array;
}

export interface TelemetrySink {
  readonly name: string;
  /** Connect in the background; resolves once the first attempt finished (it may keep retrying). */
  start(): Promise<void>;
  /** Resolves only once every record is durably acknowledged, in order. Rejects otherwise. */
  send(records: readonly SinkRecord[]): Promise<void>;
  /** Same contract, for encoded DeadLetter values. */
  deadLetter(records: readonly SinkRecord[]): Promise<void>;
  /** Connected and able to take writes (drives /readyz). */
  isReady(): boolean;
  /** Why isReady() is false, for /readyz (optional: a sink without it reports "<name> sink not ready"). */
  notReadyReason?(): string | null;
  /** Stops; in-progress sends finish or reject. */
  close(): Promise<void>;
}
