// Readiness probe for the test stack's Kafka: exits 0 once the cluster answers a metadata request that
// lists at least NODES brokers (fenced brokers are not listed), a controller, and a group coordinator.
// Usage: node scripts/stack-kafka-ready.mjs 127.0.0.1:19092[,127.0.0.1:19094,...] [NODES]
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:19092';
const nodes = Number(process.argv[3] ?? 1);
const kafka = new Kafka({
  clientId: 'fleetwire-stack-ready',
  brokers: broker.split(','),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length < nodes) throw new Error(`metadata lists ${cluster.brokers.length} of ${nodes} broker(s)`);
  if (cluster.controller === null || cluster.controller === undefined) throw new Error('no active controller yet');
  // Warm-up: finding a group coordinator creates __consumer_offsets, so the first test's consumer
  // does not meet "coordinator is loading" on a fresh broker.
  const groups = await admin.describeGroups(['fw-stack-warmup']);
  if (groups.groups.length !== 1) throw new Error('group coordinator did not answer');
  // Warm-up: the first producer id block comes from the controller; an idempotent producer's
  // connect (InitProducerId) waits for it here instead of in the first test.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  await producer.connect();
  await producer.disconnect();
  console.log(`kafka ok: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), group coordinator up`);
  await admin.disconnect();
  process.exit(0);
} catch (err) {
  console.error(`kafka not ready at ${broker}: ${err instanceof Error ? err.message : String(err)}`);
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
