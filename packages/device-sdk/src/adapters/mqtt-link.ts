// MQTT connection with its own reconnect loop (exponential backoff + jitter). Each attempt is a fresh
// mqtt.js client with a clean session, so unacknowledged batches are resent from the outbox, never from
// mqtt.js memory. Callbacks of a superseded connection are ignored by generation number.
// Credentials are asked for at every attempt; a refused login (CONNACK 4/5, e.g. an expired token)
// asks the provider for new ones and retries at once, backing off only if those are refused too.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff, type BackoffPolicy } from '../core/backoff.js';
import { LinkError } from '../errors.js';
import type { Timer } from '../platform/runtime.js';
import type { Credentials, CredentialsRequest, TlsOptions } from '../types.js';

export interface LinkOptions {
  url: string;
  clientId: string;
  /** Called before every connection attempt. */
  credentials: ((req: CredentialsRequest) => Credentials | undefined | Promise<Credentials | undefined>) | null;
  tls?: TlsOptions;
  keepaliveSec: number;
  connectTimeoutMs: number;
  backoff: BackoffPolicy;
  /** Topics subscribed at QoS 1 after every connect. */
  subscriptions: string[];
}

export interface LinkHandlers {
  up(): void;
  down(): void;
  message(topic: string, payload: Uint8Array): void;
  error(err: LinkError): void;
}

/** CONNACK return codes of MQTT 3.1.1 that mean "these credentials are not accepted". */
const AUTH_REFUSED = new Set([4, 5]);

export class MqttLink {
  private client: MqttClient | null = null;
  private gen = 0;
  private timer: Timer | null = null;
  private stopped = true;
  private readonly backoff: Backoff;
  connected = false;
  reconnects = 0;
  private everConnected = false;
  /** Consecutive refused logins (reset by a successful CONNACK). */
  private refused = 0;
  private attempt = 0;

  constructor(
    private readonly opts: LinkOptions,
    private readonly h: LinkHandlers,
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  /** Starts (or restarts after stop()) connecting now, with a fresh backoff. */
  start(): void {
    this.stopped = false;
    this.backoff.reset();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.client && !this.connected) void this.connect();
  }

  /** While waiting out a backoff delay: connects now instead (network came back, app resumed). */
  connectNow(): void {
    if (this.stopped || this.connected || this.client || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    void this.connect();
  }

  private async credentials(gen: number): Promise<Credentials | undefined | null> {
    const provider = this.opts.credentials;
    if (!provider) return undefined;
    const req: CredentialsRequest = {
      reason: this.refused > 0 ? 'refused' : this.attempt === 1 ? 'connect' : 'reconnect',
      attempt: this.attempt,
      refusals: this.refused,
    };
    let t: Timer | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`no answer within ${this.opts.connectTimeoutMs} ms`)), this.opts.connectTimeoutMs);
      });
      const c = await Promise.race([Promise.resolve(provider(req)), timeout]);
      if (gen !== this.gen) return null;
      if (c !== undefined && (typeof c !== 'object' || c === null || typeof c.username !== 'string' || typeof c.password !== 'string')) {
        throw new Error('must resolve to { username: string, password: string } or undefined');
      }
      return c;
    } catch (e) {
      if (gen !== this.gen) return null;
      this.h.error(new LinkError('credentials_failed', `credentials provider failed: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
      this.schedule();
      return null;
    } finally {
      clearTimeout(t);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.gen;
    this.attempt++;
    const creds = await this.credentials(gen);
    if (creds === null || gen !== this.gen || this.stopped) return;
    const o = this.opts;
    const co: IClientOptions = {
      clientId: o.clientId,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      keepalive: o.keepaliveSec,
      connectTimeout: o.connectTimeoutMs,
      queueQoSZero: false,
      resubscribe: false,
    };
    if (creds) {
      co.username = creds.username;
      co.password = creds.password;
    }
    if (o.tls) Object.assign(co, o.tls);
    let c: MqttClient;
    try {
      c = mqtt.connect(o.url, co);
    } catch (e) {
      this.h.error(new LinkError('connect_failed', `cannot connect to ${o.url}: ${(e as Error).message}`, { cause: e }));
      this.schedule();
      return;
    }
    this.client = c;
    c.on('connect', () => {
      if (gen !== this.gen) return;
      this.connected = true;
      this.backoff.reset();
      this.refused = 0;
      if (this.everConnected) this.reconnects++;
      this.everConnected = true;
      if (o.subscriptions.length > 0) {
        c.subscribe(o.subscriptions, { qos: 1 }, (err, granted) => {
          if (gen !== this.gen) return;
          const refused = granted?.find((g) => g.qos === 128);
          if (err || refused)
            this.h.error(new LinkError('subscribe_failed', `subscribe ${refused?.topic ?? o.subscriptions.join(',')} failed: ${err?.message ?? 'refused'}`));
        });
      }
      this.h.up();
    });
    c.on('message', (topic, payload) => {
      if (gen === this.gen) this.h.message(topic, payload);
    });
    c.on('error', (err) => {
      if (gen !== this.gen) return;
      const rc = (err as { code?: unknown }).code;
      if (typeof rc === 'number' && AUTH_REFUSED.has(rc)) {
        this.refused++;
        // Code connect_failed as before (Node users' listeners see no change); the message names the CONNACK code.
        this.h.error(new LinkError('connect_failed', `${o.url} refused the login (CONNACK ${rc}): ${err.message}`, { cause: err }));
        // A provider gets one immediate retry with new credentials; refused again, it backs off.
        return this.lost(gen, !(o.credentials && this.refused === 1));
      }
      this.h.error(new LinkError('connect_failed', `mqtt ${o.url}: ${err.message}`, { cause: err }));
      this.lost(gen, true);
    });
    // Browsers report a refused or dropped WebSocket only as a close: say so when no CONNACK came.
    const closed = () => {
      if (gen === this.gen && !this.connected) this.h.error(new LinkError('connect_failed', `${o.url}: connection closed before CONNACK`));
      this.lost(gen, true);
    };
    c.on('close', closed);
    c.on('offline', closed);
  }

  private lost(gen: number, backoff: boolean): void {
    if (gen !== this.gen) return;
    this.gen++;
    const c = this.client;
    this.client = null;
    c?.removeAllListeners('connect');
    c?.removeAllListeners('message');
    c?.on('error', () => {});
    c?.end(true);
    const was = this.connected;
    this.connected = false;
    if (was) this.h.down();
    if (backoff) this.schedule();
    else if (!this.stopped && !this.timer) this.timer = setTimeout(() => ((this.timer = null), void this.connect()), 0);
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const d = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, d);
  }

  /** Publishes at QoS 1; `done` runs on PUBACK (or with an error). False when not connected. */
  publish(topic: string, payload: Uint8Array, done: (err?: Error) => void): boolean {
    const c = this.client;
    if (!c || !this.connected) return false;
    const gen = this.gen;
    // mqtt.js takes a Buffer; in browsers and React Native its bundle brings the `buffer` polyfill.
    c.publish(topic, toBuffer(payload) as Parameters<MqttClient['publish']>[1], { qos: 1 }, (err) => {
      if (gen === this.gen) done(err ?? undefined);
    });
    return true;
  }

  /** Closes the connection and stops reconnecting; pending callbacks are abandoned (the outbox keeps the data). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.gen++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    const was = this.connected;
    this.connected = false;
    if (was) this.h.down();
    if (!c) return;
    c.removeAllListeners();
    c.on('error', () => {});
    await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }
}

type BufferCtor = { from(b: ArrayBufferLike, off: number, len: number): Uint8Array };
const NodeBuffer = (globalThis as { Buffer?: BufferCtor }).Buffer;

function toBuffer(p: Uint8Array): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(p.buffer, p.byteOffset, p.length) : p;
}
