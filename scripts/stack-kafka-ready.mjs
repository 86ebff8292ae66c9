// Readiness probe for the test stack's Kafka: exits 0 once the broker answers a metadata request.
// Usage: node scripts/stack-kafka-ready.mjs 127.0.0.1:19092
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:19092';
const kafka = new Kafka({
  clientId: 'fleetwire-stack-ready',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 5000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error('metadata lists no broker');
  if (cluster.controller === null || cluster.controller === undefined) throw new Error('no active controller yet');
  console.log(`kafka ok: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`);
  await admin.disconnect();
  process.exit(0);
} catch (err) {
  console.error(`kafka not ready at ${broker}: ${err instanceof Error ? err.message : String(err)}`);
  await admin.disconnect().catch(() => {});
  process.exit(1);
}
