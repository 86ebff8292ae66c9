// MQTT connection with its own reconnect loop (exponential backoff + jitter). Each attempt is a fresh
// mqtt.js client with a clean session, so unacknowledged batches are resent from the outbox, never from
// mqtt.js memory. Callbacks of a superseded connection are ignored by generation number.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff, type BackoffPolicy } from '../core/backoff.js';
import { LinkError } from '../errors.js';
import type { TlsOptions } from '../types.js';

export interface LinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
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

export class MqttLink {
  private client: MqttClient | null = null;
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly backoff: Backoff;
  connected = false;
  reconnects = 0;
  private everConnected = false;

  constructor(
    private readonly opts: LinkOptions,
    private readonly h: LinkHandlers,
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.gen;
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
    if (o.username !== undefined) co.username = o.username;
    if (o.password !== undefined) co.password = o.password;
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
      if (this.everConnected) this.reconnects++;
      this.everConnected = true;
      if (o.subscriptions.length > 0) {
        c.subscribe(o.subscriptions, { qos: 1 }, (err, granted) => {
          if (gen !== this.gen) return;
          const refused = granted?.find((g) => g.qos === 128);
          if (err || refused) this.h.error(new LinkError('subscribe_failed', `subscribe ${refused?.topic ?? o.subscriptions.join(',')} failed: ${err?.message ?? 'refused'}`));
        });
      }
      this.h.up();
    });
    c.on('message', (topic, payload) => {
      if (gen === this.gen) this.h.message(topic, payload);
    });
    c.on('error', (err) => {
      if (gen !== this.gen) return;
      this.h.error(new LinkError('connect_failed', `mqtt ${o.url}: ${err.message}`, { cause: err }));
      this.lost(gen);
    });
    c.on('close', () => this.lost(gen));
    c.on('offline', () => this.lost(gen));
  }

  private lost(gen: number): void {
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
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const d = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, d);
  }

  /** Publishes at QoS 1; `done` runs on PUBACK (or with an error). False when not connected. */
  publish(topic: string, payload: Uint8Array, done: (err?: Error) => void): boolean {
    const c = this.client;
    if (!c || !this.connected) return false;
    const gen = this.gen;
    c.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 1 }, (err) => {
      if (gen === this.gen) done(err ?? undefined);
    });
    return true;
  }

  /** Closes the connection; pending callbacks are abandoned (the outbox keeps the data). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.gen++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (!c) return;
    c.removeAllListeners();
    c.on('error', () => {});
    await new Promise<void>((resolve) => c.end(true, {}, () => resolve()));
  }
}
