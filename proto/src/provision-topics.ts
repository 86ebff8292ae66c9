// Creating Kafka topics and waiting until every partition has a leader, robust to KRaft's metadata lag.
//
// kafkajs' `createTopics({ waitForLeaders: true })` retries only LEADER_NOT_AVAILABLE while it waits; a
// broker that has not applied the new topic to its metadata cache yet answers UNKNOWN_TOPIC_OR_PARTITION
// ("This server does not host this topic-partition") and kafkajs gives up (seen in CI). Here creation and
// the wait are separate, and the wait retries any error until a deadline.
// Structural types only, so this package does not depend on kafkajs: pass a connected kafkajs Admin.

import { replicationSpec, resolveReplication, underReplicatedTopics, type Replication, type ReplicationSettings } from './replication.js';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
  /** Topic configs, e.g. min.insync.replicas. */
  configEntries?: Array<{ name: string; value: string }>;
}

export interface TopicAdmin {
  listTopics(): Promise<string[]>;
  createTopics(o: { topics: TopicSpec[]; waitForLeaders?: boolean; timeout?: number }): Promise<boolean>;
  fetchTopicMetadata(o: {
    topics: string[];
  }): Promise<{ topics: Array<{ name: string; partitions: Array<{ partitionId: number; leader: number; replicas?: number[] }> }> }>;
}

/** An admin that can also count the cluster's brokers (kafkajs Admin is one). */
export interface ClusterAdmin extends TopicAdmin {
  describeCluster(): Promise<{ brokers: unknown[] }>;
}

export interface ProvisionOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  pollMs?: number;
}

export class TopicProvisionError extends Error {
  override readonly name = 'TopicProvisionError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the topics that do not exist yet, then waits until every named topic reports all its
 * partitions with a leader. Returns the names it created. Throws TopicProvisionError (with the last
 * Kafka error) when that does not happen within `timeoutMs`.
 */
export async function provisionTopics(admin: TopicAdmin, specs: readonly TopicSpec[], o: ProvisionOptions = {}): Promise<string[]> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const pollMs = o.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const byName = new Map(specs.map((s) => [s.topic, s]));
  const names = [...byName.keys()];
  if (names.length === 0) return [];
  let last: unknown = null;
  let created: string[] | null = null;
  while (created === null) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = names.filter((t) => !existing.has(t));
      // Resolves false when another client created them first: that is fine too.
      if (missing.length > 0) await admin.createTopics({ waitForLeaders: false, topics: missing.map((t) => byName.get(t)!) });
      created = missing;
    } catch (e) {
      last = e;
      if (Date.now() >= deadline) throw new TopicProvisionError(`could not create topics ${names.join(', ')} within ${timeoutMs} ms: ${(e as Error).message}`);
      await sleep(pollMs);
    }
  }
  for (;;) {
    try {
      const md = await admin.fetchTopicMetadata({ topics: names });
      const ready = names.every((name) => {
        const t = md.topics.find((x) => x.name === name);
        // Topics that existed already keep their partition count; new ones must show all they asked for.
        const want = created!.includes(name) ? Math.max(1, byName.get(name)!.numPartitions ?? 1) : 1;
        return t !== undefined && t.partitions.length >= want && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return created;
      last = new Error('some partitions have no leader yet');
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new TopicProvisionError(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms: ${(last as Error).message}`);
    await sleep(pollMs);
  }
}

export interface ReplicatedProvision {
  created: string[];
  replication: Replication;
  /** Brokers the cluster metadata listed when "auto" was resolved. */
  brokers: number;
  /** Topics that existed already with fewer replicas than `replication` (left as they are). */
  underReplicated: Array<{ topic: string; replicas: number }>;
}

/**
 * provisionTopics with a replication factor and min.insync.replicas resolved from `settings` against
 * the cluster's broker count (see replication.ts). Existing topics are not changed: those with fewer
 * replicas than wanted come back in `underReplicated` for the caller to warn about.
 */
export async function provisionReplicatedTopics(
  admin: ClusterAdmin,
  specs: ReadonlyArray<Omit<TopicSpec, 'replicationFactor' | 'configEntries'>>,
  settings: ReplicationSettings,
  o: ProvisionOptions = {},
): Promise<ReplicatedProvision> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let brokers = 0;
  for (;;) {
    try {
      brokers = (await admin.describeCluster()).brokers.length;
      break;
    } catch (e) {
      if (Date.now() >= deadline) throw new TopicProvisionError(`could not read the cluster's brokers within ${timeoutMs} ms: ${(e as Error).message}`);
      await sleep(o.pollMs ?? 100);
    }
  }
  const replication = resolveReplication(settings, brokers);
  const extra = replicationSpec(replication);
  const created = await provisionTopics(
    admin,
    specs.map((s) => ({ ...s, ...extra })),
    { ...o, timeoutMs: Math.max(1, deadline - Date.now()) },
  );
  const existing = specs.map((s) => s.topic).filter((t) => !created.includes(t));
  const underReplicated = existing.length > 0 ? underReplicatedTopics(await admin.fetchTopicMetadata({ topics: existing }), replication.replicationFactor) : [];
  return { created, replication, brokers, underReplicated };
}
