// Aedes wiring: authenticate, ACL, and the uplink path that holds the QoS 1 PUBACK until the sink acked.
//
// Why authorizePublish: aedes (lib/handlers/publish.js) runs authorizePublish, then enqueuePublish, which
// for QoS 1 writes the PUBACK and only then hands the packet to broker.publish. So the PUBACK goes out
// exactly when we call the authorizePublish callback with no error; calling it with an error closes the
// connection without a PUBACK (the device resends after reconnecting).
// Uplinks are not fanned out to MQTT subscribers: they go to the sink (Kafka) only; see wrapEmitter.
import { parseDeviceTopic } from '@fleetwire/proto';
import { Aedes, type AedesOptions, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from 'pino';
import { canPublish, canSubscribe, principalLabel } from '../../core/acl.js';
import type { Authenticator, CredentialRegistry } from '../../core/authenticate.js';
import type { GatewayMetrics } from '../../core/metrics.js';
import { RegistrySessions } from './registry-sessions.js';
import { connectionInfo, sessionOf, type SessionState, startSession } from './session-state.js';
import type { Transport, UplinkPipeline } from './uplink-pipeline.js';

/** setTimeout's longest delay (~24.8 days); a later expiry re-arms when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes `client` once `atMs` has passed: a token's expiry ends the session it opened, not only the next login. */
function closeAt(client: Client, s: SessionState, atMs: number, onExpire: () => void): void {
  const left = atMs - Date.now();
  s.expiry = setTimeout(
    () => {
      s.expiry = undefined;
      if (client.closed) return;
      if (Date.now() < atMs) return closeAt(client, s, atMs, onExpire);
      onExpire();
      client.close();
    },
    Math.max(0, Math.min(left, MAX_TIMER_MS)),
  );
  s.expiry.unref();
}

/** Arms the expiry of a session that logged in with a token; the timer goes when the connection does. */
function expireSession(client: Client, s: SessionState, atMs: number, onExpire: () => void): void {
  closeAt(client, s, atMs, onExpire);
  client.conn.once('close', () => clearTimeout(s.expiry));
}

export interface BrokerDeps {
  auth: Authenticator;
  pipeline: UplinkPipeline;
  metrics: GatewayMetrics;
  log: Logger;
  /** Optional shared emitter / persistence (mqemitter-redis, aedes-persistence-redis) for horizontal scale. */
  mq?: unknown;
  persistence?: unknown;
  id?: string;
  /** A subscriber whose socket has not drained for this long is disconnected (Aedes drainTimeout). */
  clientDrainTimeoutMs?: number;
  /** Re-check registry logins this often and close those whose account was disabled or removed; 0 = never. */
  registry?: CredentialRegistry | null;
  registryRecheckMs?: number;
}

function isUplinkTopic(topic: string): boolean {
  // fw/<t>/<d>/up/...
  if (!topic.startsWith('fw/')) return false;
  const a = topic.indexOf('/', 3);
  const b = a < 0 ? -1 : topic.indexOf('/', a + 1);
  return b > 0 && topic.startsWith('up/', b + 1);
}

/** Makes the emitter drop uplink packets: they are bridged to the sink, not delivered over MQTT. */
function wrapEmitter(mq: { emit: (packet: { topic: string }, cb?: (err?: Error) => void) => unknown }): void {
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    if (isUplinkTopic(packet.topic)) {
      if (cb) setImmediate(cb);
      return mq;
    }
    return emit(packet, cb);
  };
}

export function transportOf(client: Client): Transport {
  return connectionInfo(client.conn)?.transport ?? 'tcp';
}

export function remoteIp(client: Client): string {
  return connectionInfo(client.conn)?.proxiedFrom ?? ('remoteAddress' in client.conn ? client.conn.remoteAddress : undefined) ?? 'unknown';
}

export async function createBroker(deps: BrokerDeps): Promise<Aedes> {
  const { auth, pipeline, metrics: m, log } = deps;
  const registrySessions = new RegistrySessions(
    deps.registry ?? null,
    deps.registryRecheckMs ?? 0,
    (client, p) => {
      m.sessionsRevoked.inc();
      log.info({ client: client.id, tenant: p.tenant }, 'registry account disabled or removed: closing the session');
    },
    log,
  );

  const opts: AedesOptions = {
    id: deps.id,
    mq: deps.mq,
    persistence: deps.persistence,
    maxClientsIdLength: 128,
    // Bounds how long fan-out to one stalled subscriber can hold up delivery to the others.
    drainTimeout: deps.clientDrainTimeoutMs ?? 10_000,

    authenticate: (client, username, password, done) => {
      auth.authenticate(remoteIp(client), username, password).then(
        (r) => {
          if (!r.ok) {
            m.authFailures.inc({ reason: r.reason });
            log.info({ ip: remoteIp(client), username, reason: r.reason }, 'connect rejected');
            const err = Object.assign(new Error(r.message), { returnCode: r.returnCode });
            return done(err as never, false);
          }
          const s = startSession(client, { principal: r.principal, rawId: client.id });
          // Namespace the session id by tenant and identity: one device can never take over
          // (or read the session of) another device's client id.
          (client as { id: string }).id = `${r.principal.tenant}/${principalLabel(r.principal)}/${client.id}`;
          if (r.viaRegistry) registrySessions.track(client, r.principal);
          if (r.expiresAtMs !== undefined) {
            expireSession(client, s, r.expiresAtMs, () => {
              m.sessionsExpired.inc();
              log.info({ client: client.id }, 'login token expired: closing the session');
            });
          }
          done(null, true);
        },
        (e: Error) => {
          log.error({ err: e.message }, 'authenticate failed');
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 }) as never, false);
        },
      );
    },

    authorizeSubscribe: (client, sub: Subscription, done) => {
      const p = sessionOf(client)?.principal;
      if (!p || !canSubscribe(p, sub.topic)) {
        m.aclDenials.inc({ action: 'subscribe' });
        log.info({ client: client.id, topic: sub.topic }, 'subscribe denied');
        return done(null, null);
      }
      done(null, sub);
    },

    authorizePublish: (client, packet: PublishPacket, done) => {
      const s = sessionOf(client);
      const p = s?.principal;
      if (!client || !s || !p || !canPublish(p, packet.topic)) {
        m.aclDenials.inc({ action: 'publish' });
        log.info({ client: client?.id, topic: packet.topic }, 'publish denied');
        return done(new Error(`not authorized to publish to ${packet.topic}`));
      }
      const t = parseDeviceTopic(packet.topic);
      if (!t || t.direction === 'down') return done(null); // partner downlink: normal MQTT delivery
      packet.retain = false;
      const prev = s.tail ?? Promise.resolve();
      let admitted!: () => void;
      const mine = new Promise<void>((r) => (admitted = r));
      s.tail = mine;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      pipeline
        .process(
          { tenant: t.tenant, deviceId: t.deviceId, kind: t.kind, clientId: s.rawId, transport: transportOf(client), topic: packet.topic },
          payload,
          prev,
          admitted,
        )
        .then(
          () => {
            if (s.tail === mine) s.tail = undefined;
            done(null);
          },
          (e: Error) => {
            admitted();
            log.warn({ client: client.id, topic: packet.topic, err: e.message }, 'sink failed; closing connection without PUBACK');
            done(e);
          },
        );
    },
  };

  const broker = await Aedes.createBroker(opts);
  broker.once('closed', () => registrySessions.close());
  wrapEmitter((broker as unknown as { mq: Parameters<typeof wrapEmitter>[0] }).mq);

  broker.on('client', (client) => {
    m.connections.inc({ transport: transportOf(client) });
    m.connectsTotal.inc({ transport: transportOf(client) });
  });
  broker.on('clientDisconnect', (client) => m.connections.dec({ transport: transportOf(client) }));
  broker.on('clientError', (client, err) => log.debug({ client: client.id, err: err.message }, 'client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  return broker;
}
