// The client's MQTT link, built before the client itself: when the storage is given as a promise (a browser's
// OPFS outbox loads sqlite-wasm first) the link connects while the outbox opens, and what it reports
// (connected, a downlink config, errors) is held by the relay until the client attaches, then replayed in order.
import { MqttLink, type LinkHandlers } from './adapters/mqtt-link.js';
import { credentialsProvider } from './client-setup.js';
import type { ResolvedOptions } from './core/config.js';
import type { LinkError } from './errors.js';
import type { ClientOptions } from './types.js';

export class LinkRelay implements LinkHandlers {
  private target: LinkHandlers | null = null;
  private held: Array<(h: LinkHandlers) => void> = [];

  /** From now on the link's reports go to `h`; what came before is replayed first, in order. */
  attach(h: LinkHandlers): void {
    const held = this.held;
    this.held = [];
    this.target = h;
    for (const f of held) f(h);
  }

  up(): void {
    this.forward((h) => h.up());
  }
  down(): void {
    this.forward((h) => h.down());
  }
  message(topic: string, payload: Uint8Array): void {
    this.forward((h) => h.message(topic, payload));
  }
  error(err: LinkError): void {
    this.forward((h) => h.error(err));
  }

  private forward(f: (h: LinkHandlers) => void): void {
    if (this.target) f(this.target);
    else this.held.push(f);
  }
}

/** The link of a client with these options; it subscribes to `configTopic` after every connect. */
export function createLink(opts: ResolvedOptions, raw: ClientOptions, configTopic: string, relay: LinkRelay): MqttLink {
  return new MqttLink(
    {
      url: opts.url,
      clientId: opts.clientId,
      credentials: credentialsProvider(raw.credentials),
      tls: raw.tls,
      keepaliveSec: opts.keepaliveSec,
      connectTimeoutMs: opts.connectTimeoutMs,
      backoff: opts.reconnect,
      subscriptions: [configTopic],
    },
    relay,
  );
}
