// startGateway: wires config -> sink, dedupe, registry, broker, listeners. Returns ports, metrics, close().
import type { Aedes } from 'aedes';
import { pino, type Logger } from 'pino';
import { Authenticator, type CredentialRegistry } from './core/authenticate.js';
import { gatewayMetrics, type GatewayMetrics } from './core/metrics.js';
import { FailureRateLimiter } from './core/rate-limit.js';
import { createBroker } from './adapters/broker/broker.js';
import { UplinkPipeline } from './adapters/broker/uplink-pipeline.js';
import { KafkaSink } from './adapters/kafka/kafka-sink.js';
import { startHttpWs, type HttpWsServer } from './adapters/listeners/http-ws.js';
import { startTcp, startTls, type SocketServer } from './adapters/listeners/tcp.js';
import { PgRegistry } from './adapters/pg/registry.js';
import { connectClusterBackplane } from './adapters/redis/cluster.js';
import { type DedupeStore, MemoryDedupe, RedisDedupe } from './adapters/redis/dedupe.js';
import type { TelemetrySink } from './adapters/sink.js';
import { ConfigError } from '@fleetwire/runtime';
import { defaultConfig, type GatewayConfig, validateConfig } from './config.js';

export interface StartOptions extends Partial<GatewayConfig> {
  /** Use this sink instead of Kafka (embedded log, tests). Required when kafkaBrokers is empty. */
  sink?: TelemetrySink;
  /** Extra credential source checked when the password is not a token (instead of Postgres). */
  registry?: CredentialRegistry;
  logger?: Logger;
  /** Worker of `serve --processes`: the HTTP port is shared with the other workers (SO_REUSEPORT). */
  httpReusePort?: boolean;
  /** /metrics body instead of this process's registry (a worker serves every worker's metrics). */
  renderMetrics?: (local: () => string) => string | Promise<string>;
}

export interface Gateway {
  ports: { mqtt: number | null; tls: number | null; http: number | null };
  metrics: GatewayMetrics;
  broker: Aedes;
  sink: TelemetrySink;
  /**
   * Connected to the sink and not shutting down (drives /readyz). The Postgres registry is not part of it:
   * token logins, and registry logins already cached, keep working while Postgres is away.
   */
  isReady(): boolean;
  /** Why isReady() is false (the /readyz body), or null when ready. */
  notReadyReason(): string | null;
  /**
   * Graceful: stop accepting, wait for in-flight uplinks, close clients, flush the producer. The wait and the
   * flush share one deadline, drainTimeoutMs from the call; uplinks not acknowledged by then get no PUBACK.
   */
  close(): Promise<void>;
}

export async function startGateway(opts: StartOptions = {}): Promise<Gateway> {
  const { sink: givenSink, registry: givenRegistry, logger, httpReusePort, renderMetrics, ...partial } = opts;
  const cfg = validateConfig({ ...defaultConfig(), ...partial, topics: { ...defaultConfig().topics, ...partial.topics } });
  const log = logger ?? pino({ level: cfg.logLevel, base: { svc: 'fw-gateway', gw: cfg.gatewayId } });
  if (!givenSink && cfg.kafkaBrokers.length === 0) throw new ConfigError('FW_KAFKA_BROKERS is required (or pass a sink to startGateway)');
  if (cfg.tokenSecrets.length === 0 && !cfg.databaseUrl && !givenRegistry) {
    throw new ConfigError('no way to authenticate devices: set FW_GATEWAY_TOKEN_SECRET and/or FW_DATABASE_URL');
  }

  const metrics = gatewayMetrics();
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((e: Error) => log.warn({ err: e.message }, 'cleanup failed'));
  };

  const sockets: SocketServer[] = []; // outside try: a later start failure (e.g. wss) must close them too
  try {
    const sink: TelemetrySink =
      givenSink ??
      new KafkaSink({
        brokers: cfg.kafkaBrokers,
        clientId: cfg.kafkaClientId,
        topics: cfg.topics,
        createTopics: cfg.kafkaCreateTopics,
        numPartitions: cfg.kafkaPartitions,
        replication: { replicationFactor: cfg.kafkaReplicationFactor, minInsyncReplicas: cfg.kafkaMinInsyncReplicas },
        logger: log.child({ part: 'kafka' }),
      });
    cleanups.push(() => sink.close());
    await sink.start();
    metrics.sinkReady.collect(() => (sink.isReady() ? 1 : 0));

    let dedupe: DedupeStore | null = null;
    if (cfg.dedupeTtlSec > 0) {
      const clusterNodes = cfg.redisClusterNodes.length > 0 ? cfg.redisClusterNodes : undefined;
      dedupe =
        cfg.redisUrl || clusterNodes
          ? new RedisDedupe({ url: cfg.redisUrl ?? '', clusterNodes, ttlMs: cfg.dedupeTtlSec * 1000, logger: log })
          : new MemoryDedupe(cfg.dedupeTtlSec * 1000);
      if (dedupe instanceof RedisDedupe) {
        const d = dedupe;
        metrics.dedupeRedis.collect(() => (d.usingRedis ? 1 : 0));
        metrics.dedupeFallbacks.collect(() => d.fallbacks);
      }
      cleanups.push(() => dedupe!.close());
    }

    let registry: CredentialRegistry | null = givenRegistry ?? null;
    let pgRegistry: PgRegistry | null = null;
    if (!registry && cfg.databaseUrl) {
      pgRegistry = new PgRegistry({ databaseUrl: cfg.databaseUrl, schema: cfg.registrySchema });
      cleanups.push(() => pgRegistry!.close());
      await pgRegistry.start();
      registry = pgRegistry;
    }

    const auth = new Authenticator({
      tokenSecrets: cfg.tokenSecrets,
      registry,
      rateLimiter: new FailureRateLimiter({ burst: cfg.authBurst, refillPerSec: cfg.authRefillPerSec }),
    });
    const pipeline = new UplinkPipeline(sink, dedupe, metrics, log, {
      gatewayId: cfg.gatewayId,
      lingerMs: cfg.lingerMs,
      maxBatch: cfg.maxBatch,
      maxBatchBytes: cfg.maxBatchBytes,
      maxInflight: cfg.maxInflight,
      ackTimeoutMs: cfg.ackTimeoutMs,
      deadLetterPayloadMax: cfg.deadLetterPayloadMax,
      limits: { maxPayloadBytes: cfg.maxPayloadBytes },
    });
    // One shutdown deadline: the flush gets what is left of drainTimeoutMs after the wait for in-flight
    // uplinks in close(), not a second full timeout (a failed start, with no deadline yet, gets the whole).
    let drainDeadline: number | null = null;
    cleanups.push(() => pipeline.drain(drainDeadline === null ? cfg.drainTimeoutMs : Math.max(0, drainDeadline - Date.now())));

    const cluster = cfg.cluster && cfg.redisUrl ? await connectClusterBackplane(cfg.redisUrl) : null;
    if (cluster) cleanups.push(() => cluster.closeEmitter());
    const broker = await createBroker({
      auth,
      pipeline,
      metrics,
      log,
      mq: cluster?.mq,
      persistence: cluster?.persistence,
      id: cfg.gatewayId,
      clientDrainTimeoutMs: cfg.clientDrainTimeoutMs,
      registry,
      registryRecheckMs: cfg.registryRecheckSec * 1000,
    });
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          broker.close(() => r());
        }),
    );
    if (cluster) cleanups.push(() => cluster.closePersistence());

    let http: HttpWsServer | null = null;
    const ports: Gateway['ports'] = { mqtt: null, tls: null, http: null };
    const listenerOpts = {
      proxyProtocol: cfg.proxyProtocol,
      onProxyReject: (transport: string, reason: string) => {
        metrics.proxyRejects.inc({ transport });
        log.debug({ transport, reason }, 'connection closed: PROXY protocol header');
      },
    };
    if (cfg.mqttPort !== null) {
      const s = await startTcp(broker, cfg.host, cfg.mqttPort, listenerOpts);
      sockets.push(s);
      ports.mqtt = s.port;
    }
    const tlsFiles = cfg.tlsCertFile && cfg.tlsKeyFile ? { certFile: cfg.tlsCertFile, keyFile: cfg.tlsKeyFile, caFile: cfg.tlsCaFile ?? undefined } : undefined;
    if (cfg.tlsPort !== null && tlsFiles) {
      const s = await startTls(broker, cfg.host, cfg.tlsPort, tlsFiles, listenerOpts);
      sockets.push(s);
      ports.tls = s.port;
    }
    let closing = false;
    const notReadyReason = (): string | null =>
      closing ? 'shutting down' : sink.notReadyReason ? sink.notReadyReason() : sink.isReady() ? null : `${sink.name} sink not ready`;
    const isReady = () => notReadyReason() === null;
    if (cfg.httpPort !== null) {
      const wsTls = cfg.wsTls ? tlsFiles : undefined;
      http = await startHttpWs({
        host: cfg.host,
        port: cfg.httpPort,
        path: cfg.wsPath,
        broker,
        isReady,
        notReadyReason,
        renderMetrics: renderMetrics ? () => renderMetrics(() => metrics.registry.render()) : () => metrics.registry.render(),
        reusePort: httpReusePort,
        maxPayloadLength: cfg.maxPayloadBytes + 1024,
        tls: wsTls,
        trustForwardedFor: cfg.trustForwardedFor,
        ...listenerOpts,
      });
      ports.http = http.port;
    }
    log.info(
      {
        ports,
        wss: !!http?.tls,
        proxyProtocol: cfg.proxyProtocol,
        sink: sink.name,
        dedupe: dedupe ? (cfg.redisClusterNodes.length > 0 ? 'redis-cluster' : cfg.redisUrl ? 'redis' : 'memory') : 'off',
        registry: !!registry,
        cluster: cfg.cluster,
      },
      'gateway listening',
    );

    let closed: Promise<void> | null = null;
    const close = () => {
      if (closed) return closed;
      closing = true;
      closed = (async () => {
        const socketsClosed = sockets.map((s) => s.close()); // stops accepting; resolves when connections end
        http?.stopAccepting();
        const deadline = (drainDeadline = Date.now() + cfg.drainTimeoutMs);
        while (pipeline.inflight.inUse + pipeline.inflight.waiting > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await cleanup(); // broker (clients), pipeline flush, registry, dedupe, sink in reverse start order
        http?.closeAll();
        await Promise.all(socketsClosed);
        log.info('gateway closed');
      })();
      return closed;
    };
    return { ports, metrics, broker, sink, isReady, notReadyReason, close };
  } catch (e) {
    await cleanup();
    await Promise.all(sockets.map((s) => s.close()));
    throw e;
  }
}
