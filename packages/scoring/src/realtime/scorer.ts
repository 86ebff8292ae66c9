// Real-time scorer: log batch -> decode -> per-device state (from Postgres, row-locked) -> detect -> ONNX
// -> one Postgres transaction (results + state + processed keys + outbox) -> Redis -> Kafka -> offsets.
import { performance } from 'node:perf_hooks';
import { accelColumns, decodeTelemetryRecord, gpsColumns } from '@fleetwire/proto';
import pino from 'pino';
import { type CoreConfig, resolveCoreConfig } from '../core/config.js';
import { flushIdle, processTelemetry, type TelemetryInput } from '../core/engine.js';
import { newDeviceState, type DeviceState } from '../core/types.js';
import type { Cache } from '../adapters/cache.js';
import { type Db, isTransientDbError } from '../adapters/db.js';
import type { RiskModel } from '../adapters/onnx/model.js';
import { PartitionManager } from '../adapters/pg/partitions.js';
import { deleteOutbox, keyString, loadStatesForUpdate, pendingOutbox, processedKeys, resolveDrivers, writeBatch } from '../adapters/pg/store.js';
import { type BatchControl, NullPublisher, type OutMessage, type Publisher, type RecordSource, type SourceBatch } from '../adapters/source.js';
import { ScoringMetrics } from '../ops/metrics.js';
import { Collected, scoreCollected } from './collect.js';
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
  /** Redis key prefix, default "fw:" (keys fw:score:<driver>, fw:features (hash, field = driver), channel fw:scores). */
  cachePrefix?: string;
  logger?: pino.Logger;
  metrics?: ScoringMetrics;
  /** How often open trips of silent devices are closed (ms); 0 disables. Default 30 s. */
  sweepIntervalMs?: number;
  now?: () => number;
  /** Backoff while Postgres is unreachable. */
  retryInitialMs?: number;
  retryMaxMs?: number;
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

  constructor(readonly o: RealtimeScorerOptions) {
    this.cfg = resolveCoreConfig(o.core);
    this.metrics = o.metrics ?? new ScoringMetrics();
    this.log = o.logger ?? pino({ level: 'silent' });
    this.topics = { ...DEFAULT_EMIT_TOPICS, ...o.topics };
    this.partitions = new PartitionManager(o.db);
    this.publisher = o.publisher ?? new NullPublisher();
  }

  /** Serializes batch handling and sweeps in this process. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  handle(batch: SourceBatch, ctl: BatchControl): Promise<void> {
    return this.exclusive(() => this.handleNow(batch, ctl));
  }

  private async handleNow(batch: SourceBatch, ctl: BatchControl): Promise<void> {
    if (this.outboxDirty) await this.withDbRetry(ctl, () => this.flushOutbox());
    const where = `${batch.topic}/${batch.partition}`;
    const dead: OutMessage[] = [];
    const inputs: { tenant: string; input: TelemetryInput }[] = [];
    for (const m of batch.messages) {
      const source = `${where}/${m.offset}`;
      const r = m.value ? decodeTelemetryRecord(m.value) : null;
      if (!r || !r.ok) {
        const code = r ? r.error.code : 'payload_empty';
        const reason = r ? r.error.message : 'record has no value';
        this.metrics.deadLetters.inc(1, { reason: code });
        this.log.warn({ source, code, reason }, 'poison record dead-lettered');
        dead.push(deadLetter({ reasonCode: code, reason, source, deviceId: m.key?.toString('utf8') ?? '', payload: m.value }));
        continue;
      }
      const rec = r.value;
      const b = rec.batch!;
      inputs.push({
        tenant: rec.tenant,
        input: { deviceId: b.deviceId ?? '', bootId: b.bootId ?? '', seq: Number(b.seq), gps: gpsColumns(b.gps), accel: accelColumns(b.accel) },
      });
    }
    this.metrics.noteRecords(batch.messages.length);
    if (this.o.speedLimits) await fillSpeedLimits(inputs.map((i) => i.input), this.o.speedLimits, this.cfg, this.log);
    const times: number[] = [];
    for (const { input } of inputs) if (input.gps.t.length > 0) times.push(input.gps.t[0]!, input.gps.t[input.gps.t.length - 1]!);
    const res = await this.withDbRetry(ctl, async () => {
      await this.partitions.ensureFor(times);
      return this.o.db.transaction(async (tx) => {
        const devices = [...new Set(inputs.map((i) => i.input.deviceId))];
        const states = await loadStatesForUpdate(tx, devices);
        const drivers = await resolveDrivers(tx, inputs.map((i) => ({ deviceId: i.input.deviceId, tenant: i.tenant })));
        const done = await processedKeys(tx, inputs.map((i) => i.input));
        const c = new Collected();
        const failed: OutMessage[] = [];
        let dups = 0;
        for (const { tenant, input } of inputs) {
          const k = keyString(input);
          if (done.has(k)) {
            dups++;
            continue;
          }
          done.add(k);
          const st = c.states.get(input.deviceId) ?? states.get(input.deviceId) ?? newDeviceState(input.deviceId);
          const backup = JSON.stringify(st);
          let out;
          try {
            out = processTelemetry(st, input, this.cfg);
          } catch (e) {
            // A record the core cannot handle must not block the partition: dead-letter it, keep the old state.
            c.states.set(input.deviceId, JSON.parse(backup) as DeviceState);
            failed.push(deadLetter({ reasonCode: 'processing_failed', reason: (e as Error).message, source: where, deviceId: input.deviceId, tenant, payload: null }));
            continue;
          }
          c.states.set(input.deviceId, st);
          c.keys.push({ deviceId: input.deviceId, bootId: input.bootId, seq: input.seq });
          if (out.duplicate) {
            dups++;
            continue;
          }
          const who = { tenant, driverId: drivers.get(input.deviceId) ?? input.deviceId };
          if (out.summary) c.summaries.push({ s: out.summary, driverId: who.driverId });
          for (const t of out.trips) c.trips.push({ t, who });
          for (const e of out.events) c.events.push({ e, who });
        }
        const w = await scoreCollected(c, this.o.model, where, this.metrics);
        const outboxId = await writeBatch(tx, w);
        return { outboxId, emission: w.emission, dups, failed, trips: w.trips.length, events: w.events.length };
      });
    });
    this.metrics.duplicates.inc(res.dups);
    this.metrics.trips.inc(res.trips);
    this.metrics.scores.inc(res.trips);
    this.metrics.events.inc(res.events);
    for (const _ of res.failed) this.metrics.deadLetters.inc(1, { reason: 'processing_failed' });
    dead.push(...res.failed);
    if (dead.length > 0) await this.publisher.send(this.topics.deadletter, dead);
    if (res.outboxId && res.emission) await this.publish(res.outboxId, res.emission);
    if (batch.highWatermark !== undefined) {
      const last = batch.messages[batch.messages.length - 1]!;
      this.metrics.lag.set(Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1), { topic: batch.topic, partition: String(batch.partition) });
    }
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

  async flushOutbox(): Promise<number> {
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

  private async withDbRetry<T>(ctl: BatchControl, fn: () => Promise<T>): Promise<T> {
    let delay = this.o.retryInitialMs ?? 200;
    let paused = false;
    for (;;) {
      const t0 = performance.now();
      try {
        const r = await fn();
        this.metrics.dbWrite.observe((performance.now() - t0) / 1000);
        if (paused) {
          ctl.resume();
          this.log.info('database reachable again; resumed');
        }
        this.dbUp = true;
        return r;
      } catch (e) {
        if (!isTransientDbError(e)) throw e;
        this.dbUp = false;
        this.metrics.dbRetries.inc();
        if (!paused) {
          paused = true;
          ctl.pause();
          this.log.warn({ err: (e as Error).message }, 'database unreachable; paused, retrying with backoff (offsets not committed)');
        }
        if (!ctl.isRunning()) throw e;
        const until = Date.now() + delay;
        while (Date.now() < until && ctl.isRunning()) {
          await sleep(Math.min(500, until - Date.now()));
          await ctl.heartbeat().catch(() => {});
        }
        delay = Math.min(this.o.retryMaxMs ?? 5_000, delay * 2);
      }
    }
  }

  sweep(nowMs: number): Promise<number> {
    return this.exclusive(async () => {
      const cutoff = nowMs - this.cfg.gapMs;
      const res = await this.o.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ device_id: string; state: DeviceState | string; tenant: string | null; driver_id: string | null }>(
          // Silence is judged on arrival time (updated_at), not data time: replaying or backfilling old data
          // keeps updated_at fresh, so a trip is never closed under a device that is still delivering.
          `SELECT s.device_id, s.state, d.tenant, d.driver_id FROM device_state s LEFT JOIN devices d USING (device_id)
            WHERE s.trip_open AND s.updated_at <= to_timestamp($1 / 1000.0) ORDER BY s.device_id LIMIT 1000 FOR UPDATE OF s SKIP LOCKED`,
          [cutoff],
        );
        const c = new Collected();
        for (const r of rows) {
          const st = typeof r.state === 'string' ? (JSON.parse(r.state) as DeviceState) : r.state;
          const out = flushIdle(st, nowMs, this.cfg);
          c.states.set(st.deviceId, st);
          const who = { tenant: r.tenant ?? '', driverId: r.driver_id ?? st.deviceId };
          for (const t of out.trips) c.trips.push({ t, who });
          for (const e of out.events) c.events.push({ e, who });
        }
        if (c.states.size === 0) return null;
        await this.partitions.ensureFor(c.trips.map((t) => t.t.endMs));
        const w = await scoreCollected(c, this.o.model, 'sweep', this.metrics);
        return { outboxId: await writeBatch(tx, w), emission: w.emission, trips: w.trips.length };
      });
      if (!res) return 0;
      this.metrics.trips.inc(res.trips);
      this.metrics.scores.inc(res.trips);
      if (res.outboxId && res.emission) await this.publish(res.outboxId, res.emission);
      return res.trips;
    });
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
