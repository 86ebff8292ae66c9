// Admin views of a replicated Kafka cluster for the broker-failure tests: partition leaders and ISRs,
// the busiest partition, the topic's min.insync.replicas, and bounded waits on them.
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { until } from './env.js';

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export async function partitions(kafka: Kafka, topic: string): Promise<PartitionState[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  } finally {
    await admin.disconnect();
  }
}

/** The partition with the most records so far and its leader. */
export async function busiestPartition(kafka: Kafka, topic: string): Promise<{ partition: number; leader: number; records: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const top = offsets.map((o) => ({ partition: o.partition, records: Number(o.high) - Number(o.low) })).sort((a, b) => b.records - a.records)[0]!;
    const state = (await partitions(kafka, topic)).find((p) => p.partition === top.partition)!;
    return { ...top, leader: state.leader };
  } finally {
    await admin.disconnect();
  }
}

/** The topic's replication as the cluster reports it: replicas per partition and min.insync.replicas. */
export async function topicReplication(kafka: Kafka, topic: string): Promise<{ replicas: number; minInsyncReplicas: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cfg = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
      includeSynonyms: false,
    });
    const isr = cfg.resources[0]!.configEntries.find((e) => e.configName === 'min.insync.replicas');
    const md = await partitions(kafka, topic);
    return { replicas: Math.min(...md.map((p) => p.replicas.length)), minInsyncReplicas: Number(isr?.configValue) };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition (of `topics`, default every topic incl. __consumer_offsets) has all its replicas in sync: a rolling restart's gate. */
export async function untilFullyReplicated(kafka: Kafka, topics?: string[], ms = 90_000): Promise<void> {
  await until(
    `every partition of ${topics?.join(', ') ?? 'every topic'} to have its full ISR`,
    async () => {
      let names = topics;
      if (!names) {
        const admin = kafka.admin();
        await admin.connect();
        names = await admin.listTopics().finally(() => admin.disconnect());
      }
      for (const t of names) {
        const ps = await partitions(kafka, t);
        if (!ps.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)) return false;
      }
      return true;
    },
    ms,
    500,
  );
}

/** Waits until the partition has a leader other than `not`; returns it. */
export async function untilNewLeader(kafka: Kafka, topic: string, partition: number, not: number, ms = 60_000): Promise<number> {
  return until(
    `partition ${topic}/${partition} to get a leader other than ${not}`,
    async () => {
      const p = (await partitions(kafka, topic)).find((x) => x.partition === partition);
      return p && p.leader >= 0 && p.leader !== not ? p.leader : null;
    },
    ms,
    200,
  );
}
