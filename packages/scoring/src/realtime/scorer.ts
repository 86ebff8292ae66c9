// Real-time scorer: log batch -> decode -> per-device state (from Postgres, row-locked) -> detect -> ONNX
// -> one Postgres transaction (results + state + processed keys + outbox) -> Redis -> Kafka -> offsets.
import pino from 'pino';
import { type CoreConfig, resolveCoreConfig } from '../core/config.js';
import { batchTimeRange } from '../core/batch-time.js';
import { flushIdle } from '../core/engine.js';
import type { DeviceState } from '../core/types.js';
import type { Cache } from '../adapters/cache.js';
import { classifyDbError, type Db, type Queryable } from '../adapters/db.js';
import { retryWhileDown } from './db-retry.js';
import type { RiskModel } from '../adapters/onnx/model.js';
import { PartitionManager } from '../adapters/pg/partitions.js';
import { deleteOutbox, deviceKey, parseState, pendingOutbox } from '../adapters/pg/store.js';
import { type BatchControl, NullPublisher, type OutMessage, type Publisher, type RecordSource, type SourceBatch } from '../adapters/source.js';
import { ScoringMetrics } from '../ops/metrics.js';
import { type Applied, applyItems, MissingPartitions, writeCollected } from './apply.js';
import { Collected } from './collect.js';
import { decodeBatch, type Item } from './decode.js';
import { fillSpeedLimits } from './speed-limits.js';
import type { SpeedLimitSource } from '../core/speed-limit.js';
import { cacheOps, DEFAULT_EMIT_TOPICS, deadLetter, type EmitTopics, type Emission, kafkaMessages } from './emit.js';

export interface RealtimeScorerOptions {
  source: RecordSource;
  /** Where trips/scores/alerts/dead letters go; default: discarded (NullPublisher). */
  publisher?: Publisher;
  db: Db;
  cache: Cache;
  model: RiskModel;
  core?: Partial<CoreConfig>;
  /** Posted limits for fixes that arrive without one (e.g. a map service); default none (road-type defaults). */
  speedLimits?: SpeedLimitSource;
  topics?: Partial<EmitTopics>;
  /** Redis key prefix, default "fw:": keys fw:{<tenant>}:score:<driver>, fw:{<tenant>}:features (hash, field = driver), channel fw:{<tenant>}:scores. */
  cachePrefix?: string;
  logger?: pino.Logger;
  metrics?: ScoringMetrics;
  /** How often open trips of silent devices are closed (ms); 0 disables. Default 30 s. */
  sweepIntervalMs?: number;
  now?: () => number;
  /** Backoff while Postgres is unreachable. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Attempts of its own a record the database rejects gets before it is dead-lettered (default 3). */
  poisonAttempts?: number;
  /** Wait before a rejected record's next attempt: this times the attempt number (default 100 ms). */
  poisonRetryMs?: number;
}

export interface RealtimeScorer {
  readonly metrics: ScoringMetrics;
  /** Started, database reachable, nothing stuck. */
  ready(): boolean;
  /** Closes open trips of devices from which nothing has arrived for gapMs (wall clock); returns trips closed. */
  sweep(nowMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const errText = (e: unknown): string => {
  const err = e as { code?: unknown; message?: unknown };
  return `${typeof err?.code === 'string' ? `${err.code} ` : ''}${typeof err?.message === 'string' ? err.message : String(e)}`;
};

export class RealtimeProcessor {
  readonly cfg: CoreConfig;
  readonly metrics: ScoringMetrics;
  readonly log: pino.Logger;
  readonly topics: EmitTopics;
  readonly partitions: PartitionManager;
  readonly publisher: Publisher;
  dbUp = true;
  private outboxDirty = true;
  private lock: Promise<unknown> = Promise.resolve();

  readonly now: () => number;

  constructor(readonly o: RealtimeScorerOptions) {
    this.now = o.now ?? Date.now;
    this.cfg = resolveCoreConfig(o.core);
    this.metrics = o.metrics ?? new ScoringMetrics();
    this.log = o.logger ?? pino({ level: 'silent' });
    this.topics = { ...DEFAULT_EMIT_TOPICS, ...o.topics };
    this.partitions = new PartitionManager(o.db);
    this.publisher = o.publisher ?? new NullPublisher();
  }

  /** Serializes sweeps in this process (batches of different partitions run side by side, see handle). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  /**
   * One log batch. The source may call this for several partitions at once (KafkaSource `concurrency`):
   * their devices are disjoint (records are keyed by device), each transaction row-locks the states it
   * reads, and a partition's batches still come one after the other, so while one batch waits on Postgres
   * the next partition's batch runs the core. Sweeps take only states no batch holds (SKIP LOCKED).
   */
  handle(batch: SourceBatch, ctl: BatchControl): Promise<void> {
    return this.handleNow(batch, ctl);
  }

  private async handleNow(batch: SourceBatch, ctl: BatchControl): Promise<void> {
    if (this.outboxDirty) await this.withDbRetry(ctl, () => this.flushOutbox(), 'outbox flush (Postgres, Redis or Kafka)');
    const { items, rejected } = decodeBatch(batch, this.now());
    const dead: OutMessage[] = [];
    for (const r of rejected) {
      this.metrics.deadLetters.inc({ reason: r.code });
      this.log.warn({ source: r.source, tenant: r.tenant, deviceId: r.deviceId, code: r.code, reason: r.reason }, 'poison record dead-lettered');
      dead.push(r.message);
    }
    this.metrics.noteRecords(batch.messages.length);
    if (this.o.speedLimits)
      await fillSpeedLimits(
        items.map((i) => i.input),
        this.o.speedLimits,
        this.cfg,
        this.log,
      );
    const where = `${batch.topic}/${batch.partition}`;
    let applied: Applied[];
    try {
      applied = [await this.commit(items, where, ctl)];
    } catch (e) {
      if (classifyDbError(e) !== 'rejected' || !ctl.isRunning()) throw e;
      // One record (or more) the database refuses: find it by committing the records one at a time.
      this.metrics.isolatedBatches.inc();
      this.log.warn({ source: where, records: items.length, err: errText(e) }, 'batch rejected by the database; retrying its records one at a time');
      applied = await this.commitOneByOne(items, where, ctl, dead);
    }
    for (const a of applied) {
      this.metrics.duplicates.inc(a.dups);
      this.metrics.trips.inc(a.trips);
      this.metrics.scores.inc(a.trips);
      this.metrics.events.inc(a.events);
      for (const f of a.failed) dead.push(this.giveUp(f.item, 'processing_failed', f.reason));
    }
    if (dead.length > 0) await this.publisher.send(this.topics.deadletter, dead);
    for (const a of applied) if (a.outboxId && a.emission) await this.publish(a.outboxId, a.emission);
    if (batch.highWatermark !== undefined) {
      const last = batch.messages[batch.messages.length - 1]!;
      this.metrics.lag.set(Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1), { topic: batch.topic, partition: String(batch.partition) });
    }
  }

  /** One transaction for these items; transient errors wait and retry, missing partitions are created. */
  private async commit(items: Item[], where: string, ctl: BatchControl): Promise<Applied> {
    const times: number[] = [];
    for (const { input } of items) {
      const r = batchTimeRange({ gpsT: input.gps.t, accelT: input.accel?.t, eventT: input.eventT });
      if (r) times.push(r.startMs, r.endMs);
      if (input.fallbackTimeMs !== undefined) times.push(input.fallbackTimeMs);
    }
    const ctx = { cfg: this.cfg, model: this.o.model, metrics: this.metrics, partitions: this.partitions, source: where };
    return this.withDbRetry(ctl, async () => {
      await this.partitions.ensureFor(times);
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.o.db.transaction((tx) => applyItems(tx, items, ctx));
        } catch (e) {
          // Rows of months not ensured yet (a trip that began in an earlier month): create them, run again.
          if (!(e instanceof MissingPartitions) || attempt >= 2) throw e;
          await this.partitions.ensureFor(e.timesMs);
        }
      }
    });
  }

  /**
   * Commits each record in its own transaction, in log order. A record the database keeps rejecting
   * (poisonAttempts times) is dead-lettered (`store_failed`) and skipped; every other record is kept.
   */
  private async commitOneByOne(items: Item[], where: string, ctl: BatchControl, dead: OutMessage[]): Promise<Applied[]> {
    const out: Applied[] = [];
    const attempts = Math.max(1, this.o.poisonAttempts ?? 3);
    for (const item of items) {
      for (let n = 1; ; n++) {
        try {
          out.push(await this.commit([item], where, ctl));
          break;
        } catch (e) {
          if (classifyDbError(e) !== 'rejected' || !ctl.isRunning()) throw e;
          if (n >= attempts) {
            dead.push(this.giveUp(item, 'store_failed', `database rejected the record ${n} times: ${errText(e)}`));
            break;
          }
          await sleep((this.o.poisonRetryMs ?? 100) * n);
        }
      }
      await ctl.heartbeat().catch(() => {});
    }
    return out;
  }

  /** Counts, logs and builds the dead letter of a record that is given up. */
  private giveUp(item: Item, code: string, reason: string): OutMessage {
    const { input, tenant, source } = item;
    this.metrics.deadLetters.inc({ reason: code });
    this.log.warn({ source, tenant, deviceId: input.deviceId, bootId: input.bootId, seq: input.seq, code, reason }, 'record dead-lettered');
    return deadLetter({ reasonCode: code, reason, source, deviceId: input.deviceId, tenant, payload: item.payload });
  }

  /** Redis, then Kafka, then the outbox row goes. A failure leaves the row for the next flush. */
  private async publish(id: string, e: Emission): Promise<void> {
    try {
      await this.o.cache.apply(cacheOps(e, this.o.cachePrefix));
      for (const { topic, messages } of kafkaMessages(e, this.topics)) await this.publisher.send(topic, messages);
    } catch (err) {
      this.outboxDirty = true;
      this.metrics.publishFailures.inc();
      this.log.warn({ err: (err as Error).message, outbox: id }, 'publish failed; kept in outbox');
      throw err;
    }
    await deleteOutbox(this.o.db, [id]).catch(() => {
      this.outboxDirty = true; // published twice at worst (at-least-once)
    });
  }

  private flushing: Promise<number> | null = null;

  /** Publishes what the outbox holds (one flush at a time; concurrent callers share it). */
  flushOutbox(): Promise<number> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushNow(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await pendingOutbox(this.o.db);
      if (rows.length === 0) break;
      for (const r of rows) await this.publish(r.id, r.payload);
      n += rows.length;
    }
    this.outboxDirty = false;
    return n;
  }

  /** fn, waiting out `what` being down (retryWhileDown); not ready meanwhile. */
  private withDbRetry<T>(ctl: BatchControl, fn: () => Promise<T>, what = 'database'): Promise<T> {
    return retryWhileDown(ctl, fn, {
      initialMs: this.o.retryInitialMs ?? 200,
      maxMs: this.o.retryMaxMs ?? 5_000,
      onRetry: (e, first) => {
        this.dbUp = false;
        this.metrics.dbRetries.inc();
        if (first) this.log.warn({ err: (e as Error).message }, `${what} unreachable; paused, retrying with backoff (offsets not committed)`);
      },
      onSuccess: (ms, resumed) => {
        this.metrics.dbWrite.observe(ms / 1000);
        if (resumed) this.log.info(`${what} reachable again; resumed`);
        this.dbUp = true;
      },
    });
  }

  sweep(nowMs: number): Promise<number> {
    return this.exclusive(async () => {
      let res: { outboxId: string | null; emission: Emission | null; trips: number } | null = null;
      for (let attempt = 0; ; attempt++) {
        try {
          res = await this.o.db.transaction((tx) => this.sweepTx(tx, nowMs));
          break;
        } catch (e) {
          if (!(e instanceof MissingPartitions) || attempt >= 2) throw e;
          await this.partitions.ensureFor(e.timesMs);
        }
      }
      if (!res) return 0;
      this.metrics.trips.inc(res.trips);
      this.metrics.scores.inc(res.trips);
      if (res.outboxId && res.emission) await this.publish(res.outboxId, res.emission);
      return res.trips;
    });
  }

  private async sweepTx(tx: Queryable, nowMs: number): Promise<{ outboxId: string | null; emission: Emission | null; trips: number } | null> {
    const cutoff = nowMs - this.cfg.gapMs;
    const { rows } = await tx.query<{ tenant: string; device_id: string; state: DeviceState | string; driver_id: string | null }>(
      // Silence is judged on arrival time (updated_at), not data time: replaying or backfilling old data
      // keeps updated_at fresh, so a trip is never closed under a device that is still delivering.
      `SELECT s.tenant, s.device_id, s.state, d.driver_id FROM device_state s LEFT JOIN devices d ON d.tenant = s.tenant AND d.device_id = s.device_id
        WHERE s.trip_open AND s.updated_at <= to_timestamp($1 / 1000.0) ORDER BY s.tenant, s.device_id LIMIT 1000 FOR UPDATE OF s SKIP LOCKED`,
      [cutoff],
    );
    const c = new Collected();
    for (const r of rows) {
      const st = parseState(r.state, r.tenant);
      const out = flushIdle(st, nowMs, this.cfg);
      c.states.set(deviceKey({ tenant: r.tenant, deviceId: r.device_id }), st);
      const who = { tenant: r.tenant, driverId: r.driver_id ?? st.deviceId };
      for (const t of out.trips) c.trips.push({ t, who });
      for (const e of out.events) c.events.push({ e, who });
    }
    if (c.states.size === 0) return null;
    const ctx = { cfg: this.cfg, model: this.o.model, metrics: this.metrics, partitions: this.partitions, source: 'sweep' };
    const { outboxId, w } = await writeCollected(tx, c, ctx);
    return { outboxId, emission: w.emission, trips: w.trips.length };
  }
}

/** Starts consuming. Resolves once the source is running. */
export async function startRealtimeScorer(o: RealtimeScorerOptions): Promise<RealtimeScorer & { processor: RealtimeProcessor }> {
  const p = new RealtimeProcessor(o);
  const now = o.now ?? Date.now;
  let started = false;
  let stopping = false;
  await o.source.start((batch, ctl) => p.handle(batch, ctl));
  started = true;
  const every = o.sweepIntervalMs ?? 30_000;
  const timer =
    every > 0
      ? setInterval(() => {
          if (!stopping) p.sweep(now()).catch((e: Error) => p.log.warn({ err: e.message }, 'sweep failed'));
        }, every)
      : null;
  timer?.unref();
  return {
    processor: p,
    metrics: p.metrics,
    ready: () => started && !stopping && p.dbUp && (o.source.healthy?.() ?? true),
    sweep: (nowMs?: number) => p.sweep(nowMs ?? now()),
    stop: async () => {
      stopping = true;
      if (timer) clearInterval(timer);
      await o.source.stop();
    },
  };
}
