// Accepted uplink -> sink, with dedupe, dead-lettering, micro-batching and a bound on in-flight messages.
// `process()` resolves once the message may be acknowledged to the device, and rejects if it must not be.
import { fleetwire, encodeTelemetryRecord, identityKey, type Limits, resolveLimits } from '@fleetwire/proto';
import type { Logger } from 'pino';
import { FleetwireError } from '@fleetwire/runtime';
import type { BoundCounter } from '@fleetwire/runtime';
import type { GatewayMetrics } from '../../core/metrics.js';
import { MicroBatcher } from '../../core/micro-batcher.js';
import { Semaphore } from '../../core/semaphore.js';
import { dedupeKey, type GatewayReasonCode, validateUplink } from '../../core/uplink.js';
import type { ClaimResult, DedupeStore } from '../redis/dedupe.js';
import type { SinkRecord, TelemetrySink } from '../sink.js';

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

const TRANSPORT: Record<Transport, fleetwire.v1.Transport> = {
  tcp: fleetwire.v1.Transport.TRANSPORT_TCP,
  tls: fleetwire.v1.Transport.TRANSPORT_TLS,
  ws: fleetwire.v1.Transport.TRANSPORT_WEBSOCKET,
  wss: fleetwire.v1.Transport.TRANSPORT_WEBSOCKET_TLS,
};

export interface UplinkContext {
  tenant: string;
  /** Device the topic names (for partners: any device of their tenant). */
  deviceId: string;
  /** Uplink kind: the topic level after "up" ("batch", "json"). */
  kind: string;
  clientId: string;
  transport: Transport;
  topic: string;
}

export interface PipelineOptions {
  gatewayId: string;
  lingerMs: number;
  maxBatch: number;
  maxBatchBytes: number;
  maxInflight: number;
  ackTimeoutMs: number;
  deadLetterPayloadMax: number;
  limits?: Partial<Limits>;
}

export type UplinkOutcome = 'accepted' | 'duplicate' | 'rejected';

export class UplinkPipeline {
  private readonly telemetry: MicroBatcher<SinkRecord>;
  private readonly dead: MicroBatcher<SinkRecord>;
  readonly inflight: Semaphore;
  /** Keys being sent by this process: a resend while the original is in flight waits for its outcome. */
  private readonly local = new Map<string, Promise<boolean>>();
  private readonly limits: Limits;
  private readonly outcome: Record<UplinkOutcome, BoundCounter>;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly dedupe: DedupeStore | null,
    private readonly m: GatewayMetrics,
    private readonly log: Logger,
    private readonly o: PipelineOptions,
  ) {
    const weight = (r: SinkRecord) => r.value.byteLength;
    const common = { lingerMs: o.lingerMs, maxBatch: o.maxBatch, maxBatchBytes: o.maxBatchBytes, weight, ackTimeoutMs: o.ackTimeoutMs };
    this.telemetry = new MicroBatcher({ ...common, send: (rs) => this.timed(() => sink.send(rs)) });
    this.dead = new MicroBatcher({ ...common, send: (rs) => this.timed(() => sink.deadLetter(rs)) });
    this.inflight = new Semaphore(o.maxInflight);
    this.limits = resolveLimits(o.limits);
    this.outcome = {
      accepted: m.messages.bind({ outcome: 'accepted' }),
      duplicate: m.messages.bind({ outcome: 'duplicate' }),
      rejected: m.messages.bind({ outcome: 'rejected' }),
    };
    m.inflight.collect(() => this.inflight.inUse + this.inflight.waiting);
  }

  private async timed(fn: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await fn();
      this.m.sinkBatches.inc();
      this.m.sinkLatency.observe((performance.now() - t0) / 1000);
    } catch (e) {
      this.m.sinkErrors.inc();
      throw e;
    }
  }

  /**
   * Runs one message. Validation and the dedupe lookup start at once; the message then waits for `turn`
   * (the previous message of the same client being admitted), takes its place in the sink order with the
   * lookup as its gate (the batch leaves it out if it was acknowledged before), and calls `admitted`.
   * Resolves when the message may be acknowledged; rejects when the sink failed (do not acknowledge).
   */
  async process(ctx: UplinkContext, payload: Uint8Array, turn: Promise<void>, admitted: () => void): Promise<UplinkOutcome> {
    await this.inflight.acquire(); // FIFO: a client's earlier message always gets its slot first
    try {
      this.m.bytes.inc(undefined, payload.byteLength);
      const now = Date.now();
      const v = validateUplink(ctx.kind, ctx.deviceId, payload, this.limits, now);
      if (!v.ok) {
        await turn;
        const p = this.dead.add(this.deadLetter(ctx, v.code, v.reason, payload, now));
        admitted();
        await p;
        this.m.rejects.inc({ reason: v.code });
        this.outcome.rejected.inc();
        this.log.debug({ topic: ctx.topic, code: v.code, reason: v.reason }, 'uplink dead-lettered');
        return 'rejected';
      }
      const key = dedupeKey(ctx.tenant, v);
      // The dedupe lookup is not awaited here: the message takes its place in the batch at once and the
      // batch waits for the answer just before it is sent (overlapping the linger and the previous send).
      let claim: ClaimResult = 'new';
      const lookup = this.dedupe?.claim(key);
      await turn;
      const running = this.local.get(key);
      if (running) {
        admitted();
        lookup?.catch(() => undefined);
        await running; // throws if the original failed: the resend is then not acknowledged either
        this.outcome.duplicate.inc();
        return 'duplicate';
      }
      const gate = lookup?.then((c) => {
        claim = c;
        return c !== 'done';
      });
      const value = encodeTelemetryRecord(
        {
          tenant: ctx.tenant,
          deviceId: v.deviceId,
          receivedAtMs: now,
          clientId: ctx.clientId,
          gatewayId: this.o.gatewayId,
          transport: TRANSPORT[ctx.transport],
          sourceFormat: v.sourceFormat,
        },
        v.raw,
      );
      const sent = this.telemetry.add({ tenant: ctx.tenant, key: identityKey(ctx.tenant, v.deviceId), value }, gate);
      this.local.set(key, sent);
      admitted();
      try {
        if (!(await sent)) {
          // Already acknowledged before (here or by another gateway): left out of the batch.
          this.outcome.duplicate.inc();
          return 'duplicate';
        }
      } catch (e) {
        if (claim === 'new') await this.dedupe?.release(key);
        throw e;
      } finally {
        this.local.delete(key);
      }
      // Not awaited: the PUBACK need not wait for the dedupe marker.
      this.dedupe?.commit(key).catch(() => undefined);
      this.outcome.accepted.inc();
      return 'accepted';
    } finally {
      admitted();
      this.inflight.release();
    }
  }

  private deadLetter(ctx: UplinkContext, code: GatewayReasonCode, reason: string, payload: Uint8Array, now: number): SinkRecord {
    const truncated = payload.byteLength > this.o.deadLetterPayloadMax;
    const value = fleetwire.v1.DeadLetter.encode({
      reasonCode: code,
      reason: reason.slice(0, 1000),
      stage: 'gateway',
      tenant: ctx.tenant,
      deviceId: ctx.deviceId,
      clientId: ctx.clientId,
      source: ctx.topic,
      receivedAtMs: now,
      payload: truncated ? payload.subarray(0, this.o.deadLetterPayloadMax) : payload,
      payloadTruncated: truncated,
    }).finish();
    return { tenant: ctx.tenant, key: identityKey(ctx.tenant, ctx.deviceId), value };
  }

  /** Waits (at most `timeoutMs`) for queued messages to reach the sink; later ones are refused. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const flushed = Promise.all([this.telemetry.close(), this.dead.close()]).then(() => true);
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const ok = await Promise.race([flushed, timedOut]);
    clearTimeout(timer);
    if (!ok) {
      const err = new FleetwireError('shutting_down', 'gateway shutting down', { retriable: true });
      this.telemetry.abort(err);
      this.dead.abort(err);
      this.log.warn('sink did not drain before shutdown; unacknowledged messages were not PUBACKed');
    }
  }
}
