// Cluster mode's Redis wiring (moved out of startGateway): the shared MQTT emitter (mqemitter-redis) that fans
// downlinks out between gateway instances, and the shared session/retained-message store
// (aedes-persistence-redis). Loaded only in cluster mode.
import { Readable } from 'node:stream';
import { FleetwireError } from '@fleetwire/runtime';

/** What Aedes gets in cluster mode, and how to let go of it (emitter after the broker closed, store before). */
export interface ClusterBackplane {
  /** Aedes `mq` option. */
  mq: unknown;
  /** Aedes `persistence` option. */
  persistence: unknown;
  /** Destroys the persistence (before the broker closes). */
  closePersistence(): Promise<void>;
  /** Disconnects the emitter's connections (after the broker closed). */
  closeEmitter(): void;
}

/**
 * aedes 1.2 pipes persistence.createRetainedStreamCombi(); aedes-persistence-redis 11.2 returns an async
 * generator from it (no .pipe), which throws on the first SUBSCRIBE. Wrap it in a Readable.
 */
function adaptRetainedStream<P>(p: P): P {
  const q = p as unknown as { createRetainedStreamCombi(patterns: string[]): unknown };
  const orig = q.createRetainedStreamCombi.bind(q);
  q.createRetainedStreamCombi = (patterns: string[]) => {
    const s = orig(patterns) as { pipe?: unknown };
    return typeof s.pipe === 'function' ? s : Readable.from(s as AsyncIterable<unknown>);
  };
  return p;
}

/** Connects the emitter's two Redis connections (rejects naming FW_REDIS_URL) and creates the persistence. */
export async function connectClusterBackplane(redisUrl: string): Promise<ClusterBackplane> {
  const [{ default: mqRedis }, { default: RedisPersistence }, { Redis }] = await Promise.all([
    import('mqemitter-redis'),
    import('aedes-persistence-redis/asyncPersistence.js'),
    import('ioredis'),
  ]);
  // Our own connections, ready before aedes subscribes: subscribing while ioredis still runs its
  // ready check (INFO) throws "Connection in subscriber mode" as an uncaught exception.
  const conn = () => new Redis(redisUrl, { enableReadyCheck: false, maxRetriesPerRequest: null });
  const subConn = conn();
  const pubConn = conn();
  const closeEmitter = () => {
    subConn.disconnect();
    pubConn.disconnect();
  };
  try {
    await Promise.all(
      [subConn, pubConn].map(
        (c) =>
          new Promise<void>((resolve, reject) => {
            c.once('ready', () => resolve());
            c.once('error', (e: Error) =>
              reject(new FleetwireError('redis_unavailable', `FW_REDIS_URL: cannot connect for cluster mode: ${e.message}`, { retriable: true, cause: e })),
            );
          }),
      ),
    );
  } catch (e) {
    closeEmitter();
    throw e;
  }
  const persistence = adaptRetainedStream(new RedisPersistence({ conn: new Redis(redisUrl) }));
  return {
    mq: mqRedis({ subConn, pubConn }),
    persistence,
    closePersistence: () => (persistence as unknown as { destroy(): Promise<void> }).destroy(),
    closeEmitter,
  };
}
