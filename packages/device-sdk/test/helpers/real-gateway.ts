// The real gateway as a child process (Kafka sink, token auth) with its own topics, for SDK tests that
// need the production login and session rules (token expiry, CONNACK codes) and a real sink.
import { provisionTopics } from '@fleetwire/proto';
import { stackEnv, uniq } from '@fleetwire/test-kit';
import { Kafka, logLevel } from 'kafkajs';
import { mintDeviceToken } from '@fleetwire/gateway';

/** What is used of the gateway's own spawn helper (packages/gateway/test/helpers/spawn-gateway.ts). */
export interface GatewayProcess {
  ports: { mqtt: number; http: number };
  mqttUrl: string;
  stop(): Promise<void>;
}
type Spawn = (o: { name: string; env: Record<string, string> }) => Promise<GatewayProcess>;
// Loaded by path at run time: the helper lives in the gateway's tests (outside this package's rootDir).
const SPAWN_HELPER = new URL('../../../gateway/test/helpers/spawn-gateway.ts', import.meta.url).href;

export interface RealGateway {
  gw: GatewayProcess;
  kafka: Kafka;
  tenant: string;
  telemetry: string;
  token(deviceId: string, ttlSec: number, now?: number): string;
  stop(): Promise<void>;
}

/** `env` adds gateway settings, e.g. FW_GATEWAY_WS_TLS with FW_GATEWAY_TLS_CERT / _KEY for wss://. */
export async function startRealGateway(name: string, o: { env?: Record<string, string> } = {}): Promise<RealGateway> {
  const env = stackEnv();
  const secret = `sdk-${name}-secret-0123456789abcdef`;
  const kafka = new Kafka({ clientId: `sdk-${name}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const id = uniq(name.slice(0, 4));
  const topics = [`fw.telemetry.v1.${id}`, `fw.deadletter.v1.${id}`];
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(
    admin,
    topics.map((topic) => ({ topic, numPartitions: 1 })),
  );
  await admin.disconnect();
  const { spawnGateway } = (await import(/* @vite-ignore */ SPAWN_HELPER)) as { spawnGateway: Spawn };
  const gw = await spawnGateway({
    name,
    env: {
      FW_KAFKA_BROKERS: env.brokers.join(','),
      FW_GATEWAY_TOKEN_SECRET: secret,
      FW_GATEWAY_TOPIC_TELEMETRY: topics[0]!,
      FW_GATEWAY_TOPIC_DEADLETTER: topics[1]!,
      FW_KAFKA_CREATE_TOPICS: 'false',
      ...o.env,
    },
  });
  const tenant = `t${id}`;
  return {
    gw,
    kafka,
    tenant,
    telemetry: topics[0]!,
    token: (deviceId, ttlSec, now) => mintDeviceToken({ tenant, deviceId, secret, ttlSec, ...(now !== undefined ? { now } : {}) }),
    async stop() {
      await gw.stop();
      const a = kafka.admin();
      await a.connect().then(() => a.deleteTopics({ topics }).catch(() => undefined));
      await a.disconnect();
    },
  };
}
