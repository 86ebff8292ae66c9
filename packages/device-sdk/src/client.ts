// The device client: group-committed record() into the outbox, sealing, QoS 1 uplink with an in-flight
// window, downlink config, retention, app lifecycle (suspend/resume) and stats. Never throws into the
// host from background work. No Node built-ins: the same core runs in Node, browsers and React Native.
import { downlinkConfigTopic, uplinkBatchTopic } from '@fleetwire/proto';
import type { MqttLink } from './adapters/mqtt-link.js';
import { createLink, LinkRelay } from './client-link.js';
import { type ResolvedOptions, resolveOptions } from './core/config.js';
import { makeStorage } from './client-setup.js';
import { EdgeDetector } from './core/edge.js';
import { DetectionMemory } from './detection-memory.js';
import { FlushWaiters } from './core/flush-waiters.js';
import { TypedEmitter } from './core/emitter.js';
import { randomUUID, runSoon, type Timer } from './platform/runtime.js';
import { pushRecords, RowBuffer, samplePeriodMs, type StreamClock } from './core/samples.js';
import type { FoundCrash } from './core/edge.js';
import { asStorageError, type FleetwireError, LinkError } from './errors.js';
import { Outbox, type SealParams } from './outbox.js';
import { applyRemoteConfig, initialConfig, restoreConfig } from './remote.js';
import type { AppliedConfig, ClientEvents, ClientOptions, CrashInfoEvent, SampleRecord, Stats, SuspendOptions } from './types.js';

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

export class FleetwireClient extends TypedEmitter<ClientEvents> {
  readonly bootId = randomUUID();
  private readonly buf = new RowBuffer();
  private bufSamples = 0;
  private waiters: Waiter[] = [];
  private commitScheduled = false;
  private readonly inflight = new Set<number>();
  private readonly flushWaiters = new FlushWaiters();
  private readonly outbox: Outbox;
  private readonly link: MqttLink;
  private readonly edge: EdgeDetector | null;
  private memory: DetectionMemory | null = null;
  private timer: Timer | null = null;
  private closed = false;
  private suspended = false;
  /** Bumped by suspend() and resume(): a suspend() overtaken by a resume() does not disconnect. */
  private lifecycle = 0;
  private starting = true;
  private startupErrors: FleetwireError[] = [];
  private applied: AppliedConfig;
  private lastT: StreamClock = { gps: -Infinity, accel: -Infinity, gyro: -Infinity };
  private spacing: StreamClock = { gps: 0, accel: 0, gyro: 0 };
  /** Crashes detected in records not yet committed: sealed and published as soon as they are. */
  private crashes: FoundCrash[] = [];
  private readonly topic: string;
  private readonly configTopic: string;
  private counters = { recorded: 0, stored: 0, decimated: 0, events: 0, sentBatches: 0, sentSamples: 0 };
  private lastError: Stats['lastError'] = null;

  private constructor(
    private readonly opts: ResolvedOptions,
    raw: ClientOptions,
    link: MqttLink,
  ) {
    super();
    this.topic = uplinkBatchTopic(opts.tenant, opts.deviceId);
    this.configTopic = downlinkConfigTopic(opts.tenant, opts.deviceId);
    this.edge = opts.detection ? new EdgeDetector(opts.detection) : null;
    this.applied = initialConfig(opts);
    this.outbox = new Outbox(makeStorage(raw, opts), {
      dropped: (info) => {
        this.emit('dropped', info);
        this.settleFlush();
      },
      error: (e) => this.report(e),
    });
    this.link = link;
  }

  /**
   * Validates options, opens (or recovers) the outbox and starts connecting. Resolves before the first
   * connect. A storage given as a promise is awaited while the link already connects.
   */
  static async create(options: ClientOptions): Promise<FleetwireClient> {
    const opts = resolveOptions(options);
    const relay = new LinkRelay();
    const link = createLink(opts, options, downlinkConfigTopic(opts.tenant, opts.deviceId), relay);
    let raw = options;
    if (isPromiseLike(options.storage)) {
      link.start(); // connect (credentials, TCP/TLS/WebSocket, CONNECT) while the outbox opens
      try {
        raw = { ...options, storage: await options.storage };
      } catch (e) {
        await link.stop();
        throw asStorageError(e);
      }
    }
    let c: FleetwireClient;
    try {
      c = new FleetwireClient(opts, raw, link);
      c.outbox.open();
      if (c.edge) c.memory = DetectionMemory.open(c.outbox, c.edge, (e) => c.report(e));
    } catch (e) {
      await link.stop();
      throw e;
    }
    c.setConfig(c.applied);
    if (c.outbox.config) {
      const next = restoreConfig(c.applied, c.outbox.config);
      if (next) c.setConfig(next);
    }
    c.timer = setInterval(() => c.tick(false), Math.min(1000, Math.floor(c.opts.batch.intervalMs / 4)));
    c.link.start(); // no-op when it is already connecting
    c.starting = false;
    const early = c.startupErrors;
    c.startupErrors = [];
    // Deferred, so listeners added right after `await createClient()` see 'connected' and early errors.
    runSoon(() => c.attach(relay));
    if (early.length > 0) runSoon(() => early.forEach((e) => c.report(e)));
    runSoon(() => c.tick(c.outbox.crashPending()));
    return c;
  }

  /** The link's reports reach this client from now on (what it reported while the outbox opened first). */
  private attach(relay: LinkRelay): void {
    relay.attach({
      up: () => {
        this.emit('connected', { url: this.opts.url, reconnects: this.link.reconnects });
        this.pump();
      },
      down: () => this.inflight.clear(),
      message: (topic, payload) => {
        if (topic === this.configTopic) this.onConfig(payload);
      },
      error: (e) => this.report(e),
    });
  }

  /** Settings in effect (options merged with the last applied remote config). */
  get config(): AppliedConfig {
    return { ...this.applied };
  }

  /**
   * Appends one sample or an array of samples. Resolves once they are durable in the outbox; all records
   * made in the same tick share one transaction. Rejects with SampleError (nothing of the call is kept)
   * or StorageError.
   */
  record(input: SampleRecord | readonly SampleRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new LinkError('client_closed', 'record() after close()'));
    const arr: readonly SampleRecord[] = Array.isArray(input) ? input : [input as SampleRecord];
    const buf = this.buf;
    const start = buf.n;
    const saved = { ...this.lastT };
    let decimated: number;
    try {
      decimated = pushRecords(buf, arr, this.lastT, this.spacing, this.opts.detection?.gyroHandedness === 'left' ? -1 : 1);
    } catch (e) {
      buf.n = start;
      this.lastT = saved;
      return Promise.reject(e);
    }
    const added = buf.n - start;
    if (this.edge && added > 0) {
      this.counters.events += this.edge.process(buf, start, start + added);
      if (this.edge.crashes.length > 0) this.crashes.push(...this.edge.crashes);
    }
    this.counters.recorded += added;
    this.counters.decimated += decimated;
    this.bufSamples += added;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        runSoon(() => this.commit());
      }
    });
  }

  private commit(): void {
    this.commitScheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    const samples = this.bufSamples;
    this.bufSamples = 0;
    const rows = this.buf.take();
    const crashes = this.crashes;
    this.crashes = [];
    try {
      if (rows.n > 0) this.outbox.append(rows, Date.now());
      this.counters.stored += samples;
      this.memory?.save(false, this.sampleT());
      for (const w of waiters) w.resolve();
      // A crash goes out now: everything pending is sealed (the crash group as a batch of its own) and published.
      if (crashes.length > 0) return this.sendCrashes(crashes);
    } catch (e) {
      const err = asStorageError(e);
      this.report(err);
      this.outbox.dropped.samples += rows.n;
      this.emit('dropped', { reason: err.code === 'storage_corrupt' ? 'storage_corrupt' : 'storage_full', batches: 0, samples: rows.n });
      for (const w of waiters) w.reject(err);
    }
    this.tick(false);
  }

  private sendCrashes(found: FoundCrash[]): void {
    const first = this.outbox.nextSeq;
    this.tick(true);
    const urgent = [...this.outbox.urgent].filter((q) => q >= first).sort((a, b) => a - b);
    found.forEach((f, i) => {
      const e = f.event;
      const c = e.crash!;
      const info: CrashInfoEvent = {
        impactAtMs: e.tMs,
        confirmedAtMs: c.confirmT,
        peakG: c.peakMg / 1000,
        deltaVKmh: (c.deltaVCms / 100) * 3.6,
        directionDeg: c.directionDeg,
        preSpeedKmh: (c.preSpeedCms / 100) * 3.6,
        lat: e.latE7 / 1e7,
        lon: e.lonE7 / 1e7,
        seq: urgent[i] ?? -1,
      };
      this.emit('crash', info);
    });
  }

  private sealParams(): SealParams {
    return {
      maxBytes: this.applied.batchMaxBytes,
      maxSamples: this.opts.batch.maxSamples,
      intervalMs: this.applied.batchIntervalMs,
      meta: {
        deviceId: this.opts.deviceId,
        bootId: this.bootId,
        agent: this.opts.agent,
        accelRateHz: this.applied.accelRateHz,
        gyroRateHz: this.opts.sampleRates.gyroHz,
      },
    };
  }

  /** Retention, sealing and publishing. Storage failures are reported, never thrown. */
  private tick(force: boolean): void {
    if (this.closed) return;
    const now = Date.now();
    try {
      this.outbox.enforce(now, this.opts.retention.maxBytes, this.opts.retention.maxAgeMs);
      const p = this.sealParams();
      if (force || this.outbox.sealDue(now, p)) this.outbox.seal(now, p, force);
    } catch (e) {
      this.report(asStorageError(e));
    }
    this.pump();
    this.settleFlush();
  }

  private pump(): void {
    try {
      this.pumpUnsafe();
    } catch (e) {
      this.report(asStorageError(e));
    }
  }

  private pumpUnsafe(): void {
    if (this.closed || !this.link.connected) return;
    // CRASH batches first, even past the in-flight window: they hold no stream samples, so order is kept.
    for (const seq of this.outbox.urgent) {
      if (this.inflight.has(seq)) continue;
      const bytes = this.outbox.readBatch(seq);
      if (!bytes) continue;
      if (!this.link.publish(this.topic, bytes, (err) => this.onAck(seq, err))) break;
      this.inflight.add(seq);
    }
    for (const b of this.outbox.batches) {
      if (this.inflight.size >= this.opts.inFlight + this.outbox.urgent.size) break;
      if (this.inflight.has(b.seq)) continue;
      const bytes = this.outbox.readBatch(b.seq);
      if (!bytes) continue;
      const seq = b.seq;
      if (!this.link.publish(this.topic, bytes, (err) => this.onAck(seq, err))) break;
      this.inflight.add(seq);
    }
  }

  private onAck(seq: number, err?: Error): void {
    this.inflight.delete(seq);
    if (err) {
      this.report(new LinkError('publish_failed', `publish of batch ${seq} failed: ${err.message}`, { cause: err }));
      return;
    }
    let info = null;
    try {
      info = this.outbox.ack(seq);
    } catch (e) {
      this.report(asStorageError(e));
    }
    if (info) {
      this.counters.sentBatches++;
      this.counters.sentSamples += info.samples;
      this.emit('sent', { seq, bootId: info.bootId, samples: info.samples, bytes: info.bytes });
    }
    this.pump();
    this.settleFlush();
  }

  private onConfig(payload: Uint8Array): void {
    const r = applyRemoteConfig(this.applied, payload);
    if (!r.ok) return this.report(r.error);
    if (!r.config) return;
    try {
      this.outbox.storage.saveConfig(payload);
    } catch (e) {
      this.report(asStorageError(e));
    }
    this.setConfig(r.config);
    this.emit('config', { ...r.config });
    this.tick(false);
  }

  private setConfig(c: AppliedConfig): void {
    this.applied = c;
    this.spacing = { gps: samplePeriodMs(c.gpsRateHz), accel: samplePeriodMs(c.accelRateHz), gyro: samplePeriodMs(this.opts.sampleRates.gyroHz) };
    this.edge?.setThresholds(c.harshBrakingMg, c.harshAccelerationMg, c.harshCorneringMg, c.speedLimitCms);
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(false), Math.min(1000, Math.floor(c.batchIntervalMs / 4)));
    }
  }

  private report(e: FleetwireError): void {
    this.lastError = { code: e.code, message: e.message, at: Date.now() };
    if (this.starting) this.startupErrors.push(e);
    else if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  private settleFlush(): void {
    this.flushWaiters.settle(this.outbox.batches[0]?.seq ?? Infinity);
  }

  /**
   * Commits pending records, seals everything pending into batches and resolves when all of them are
   * acknowledged by the broker. Rejects with LinkError('flush_timeout') after `timeoutMs` (default: none).
   */
  async flush(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) throw new LinkError('client_closed', 'flush() after close()');
    if (this.commitScheduled) this.commit();
    this.tick(true);
    const done = this.flushWaiters.wait(this.outbox.nextSeq - 1, opts.timeoutMs);
    this.settleFlush();
    await done;
  }

  /**
   * The app is going to the background: commits pending records, seals everything pending, optionally
   * waits up to `timeoutMs` for acknowledgements, then disconnects and stops reconnecting. Everything
   * stays durable in the outbox; record() keeps working (offline) until resume().
   */
  async suspend(o: SuspendOptions = {}): Promise<void> {
    if (this.closed) throw new LinkError('client_closed', 'suspend() after close()');
    const token = ++this.lifecycle;
    if (this.commitScheduled) this.commit();
    this.memory?.save(true, this.sampleT());
    this.tick(true);
    if (o.timeoutMs && o.timeoutMs > 0 && this.link.connected) await this.flush({ timeoutMs: o.timeoutMs }).catch(() => undefined);
    if (this.closed || token !== this.lifecycle) return;
    this.suspended = true;
    await this.link.stop();
  }

  /**
   * The app is in the foreground again (or the network is back): reconnects now, without waiting for a
   * backoff delay, and resends what is unacknowledged as soon as the broker accepts the login.
   */
  resume(): void {
    if (this.closed) throw new LinkError('client_closed', 'resume() after close()');
    this.lifecycle++;
    if (this.suspended) {
      this.suspended = false;
      this.link.start();
    } else this.link.connectNow();
    this.tick(false);
  }

  /** Commits pending records, disconnects and closes the outbox. Unsent data stays for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.commitScheduled) this.commit();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flushWaiters.rejectAll(new LinkError('client_closed', 'client closed before flush completed'));
    this.memory?.save(true, this.sampleT());
    await this.link.stop();
    this.outbox.storage.close();
  }

  private sampleT(): number {
    return Math.max(this.lastT.gps, this.lastT.accel, this.lastT.gyro);
  }

  stats(): Stats {
    const c = this.counters;
    return {
      recorded: c.recorded,
      stored: c.stored,
      pendingSamples: this.outbox.pendingRows,
      sealedBatches: this.outbox.batches.length,
      inFlight: this.inflight.size,
      sent: { batches: c.sentBatches, samples: c.sentSamples },
      dropped: { ...this.outbox.dropped },
      decimated: c.decimated,
      events: c.events,
      reconnects: this.link.reconnects,
      connected: this.link.connected,
      suspended: this.suspended,
      bootId: this.bootId,
      nextSeq: this.outbox.nextSeq,
      outboxBytes: this.outbox.bytes,
      appliedConfigVersion: this.applied.version,
      lastError: this.lastError ? { ...this.lastError } : null,
    };
  }
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Creates a client. Throws ConfigError for bad options and StorageError when the outbox cannot be opened. */
export function createClient(options: ClientOptions): Promise<FleetwireClient> {
  return FleetwireClient.create(options);
}
