// Helpers every workspace's integration tests (and the benches) share, in one copy: the test stack's
// env, unique names for topics/schemas/devices, bounded polling, free loopback ports; headless Chromium
// (playwright-core, loaded only when launched), a static site and a self-signed certificate; the scorer CLI
// as a child process and a consumer group's lag.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

export interface StackEnv {
  brokers: string[];
  databaseUrl: string;
  redisUrl: string;
}

/** The servers of the test stack (`eval "$(bash scripts/stack env)"`); throws naming what is missing. */
export function stackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  const brokers = env.FW_KAFKA_BROKERS;
  const databaseUrl = env.FW_DATABASE_URL;
  const redisUrl = env.FW_REDIS_URL;
  if (!brokers || !databaseUrl || !redisUrl) {
    const missing = ['FW_KAFKA_BROKERS', 'FW_DATABASE_URL', 'FW_REDIS_URL'].filter((k) => !env[k]);
    throw new Error(`integration tests need ${missing.join(', ')} (eval "$(bash scripts/stack env)")`);
  }
  return { brokers: brokers.split(','), databaseUrl, redisUrl };
}

/** `p` + time + random: unique per call, lower-case [a-z0-9] after the prefix (fits topics, schemas, ids). */
export const uniq = (p: string): string => `${p}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Polls fn until it returns a truthy value or ms pass (then throws naming `what` and the last error). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = 30_000,
  every = 100,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Binds `port` (0 = any free one) on 127.0.0.1, closes it again and returns the port: a loopback port
 * nothing listens on. Rejects if `port` cannot be bound (so it also checks that a port was let go).
 */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}
export * from './phone-drive.js';
export * from './imu-drive.js';

export { chromiumPath, launchChromium, type ChromiumOptions } from './chromium.js';
export { serveStatic, type StaticSite, type Route } from './static-site.js';
export { selfSignedCert, type TestCert } from './tls-cert.js';
export { RedisClusterStack } from './redis-cluster.js';
export {
  groupLag,
  lagIsZero,
  ScorerCli,
  scorerEnv,
  SCORING_CLI,
  type OffsetsAdmin,
  type PartitionLag,
  type ScorerCliOptions,
  type ScorerExit,
  type ScorerRun,
} from './scorer-cli.js';
