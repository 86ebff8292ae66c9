// Replication settings of the topics fleetwire creates (pure), and provisionReplicatedTopics against a
// scripted admin (the real 3-node path: the chaos suite's cluster scenarios, test/chaos/kafka-cluster.ts,
// check the topics the gateway creates there have 3 replicas and min.insync.replicas=2).
import { describe, expect, it } from 'vitest';
import {
  parseReplicationSetting,
  provisionReplicatedTopics,
  ReplicationError,
  replicationSpec,
  resolveReplication,
  TopicProvisionError,
  underReplicatedTopics,
  type ClusterAdmin,
  type TopicSpec,
} from '../src/index.js';

describe('resolveReplication', () => {
  it('auto: 3 copies and min ISR 2 on 3+ brokers, all brokers and min ISR 1 below', () => {
    expect(resolveReplication({}, 1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(resolveReplication({}, 2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(resolveReplication({}, 3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(resolveReplication({ replicationFactor: 'auto', minInsyncReplicas: 'auto' }, 7)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('explicit values win; min ISR auto follows an explicit replication factor', () => {
    expect(resolveReplication({ replicationFactor: 5, minInsyncReplicas: 3 }, 1)).toEqual({ replicationFactor: 5, minInsyncReplicas: 3 });
    expect(resolveReplication({ replicationFactor: 3 }, 1)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(resolveReplication({ minInsyncReplicas: 1 }, 3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 1 });
  });

  it('refuses a min ISR above the replication factor and auto without brokers', () => {
    expect(() => resolveReplication({ replicationFactor: 2, minInsyncReplicas: 3 }, 3)).toThrow(/min.insync.replicas 3 > replication factor 2/);
    expect(() => resolveReplication({ minInsyncReplicas: 2 }, 1)).toThrow(ReplicationError);
    expect(() => resolveReplication({}, 0)).toThrow(/lists no broker/);
  });
});

describe('parseReplicationSetting', () => {
  it('reads auto, empty and positive integers; names the variable on bad input', () => {
    expect(parseReplicationSetting('X', undefined)).toBe('auto');
    expect(parseReplicationSetting('X', '')).toBe('auto');
    expect(parseReplicationSetting('X', 'AUTO')).toBe('auto');
    expect(parseReplicationSetting('X', ' 3 ')).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'three', '33'])
      expect(() => parseReplicationSetting('FW_KAFKA_REPLICATION_FACTOR', bad)).toThrow(/FW_KAFKA_REPLICATION_FACTOR=.*expected "auto" or an integer/);
  });
});

describe('underReplicatedTopics / replicationSpec', () => {
  it('reports topics whose smallest partition has fewer replicas than wanted', () => {
    const md = {
      topics: [
        { name: 'a', partitions: [{ replicas: [1, 2, 3] }, { replicas: [2, 3, 1] }] },
        { name: 'b', partitions: [{ replicas: [1, 2, 3] }, { replicas: [1] }] },
        { name: 'c', partitions: [] },
      ],
    };
    expect(underReplicatedTopics(md, 3)).toEqual([{ topic: 'b', replicas: 1 }]);
    expect(underReplicatedTopics(md, 1)).toEqual([]);
    expect(replicationSpec({ replicationFactor: 3, minInsyncReplicas: 2 })).toEqual({
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    });
  });
});

class ScriptedCluster implements ClusterAdmin {
  topics = new Map<string, { partitions: number; rf: number }>();
  creates: TopicSpec[][] = [];
  describeFailures: number;
  constructor(
    private readonly brokers: number,
    describeFailures = 0,
  ) {
    this.describeFailures = describeFailures;
  }
  async describeCluster() {
    if (this.describeFailures-- > 0) throw new Error('Connection error: ECONNREFUSED');
    return { brokers: Array.from({ length: this.brokers }, (_, i) => ({ nodeId: i + 1 })) };
  }
  async listTopics() {
    return [...this.topics.keys()];
  }
  async createTopics(o: { topics: TopicSpec[] }) {
    this.creates.push(o.topics);
    for (const t of o.topics) this.topics.set(t.topic, { partitions: t.numPartitions ?? 1, rf: t.replicationFactor ?? 1 });
    return true;
  }
  async fetchTopicMetadata(o: { topics: string[] }) {
    return {
      topics: o.topics.map((name) => {
        const t = this.topics.get(name) ?? { partitions: 0, rf: 0 };
        return {
          name,
          partitions: Array.from({ length: t.partitions }, (_, i) => ({ partitionId: i, leader: 1, replicas: Array.from({ length: t.rf }, (_, r) => r + 1) })),
        };
      }),
    };
  }
}

describe('provisionReplicatedTopics', () => {
  it('creates missing topics with RF 3 and min.insync.replicas=2 on a 3-broker cluster, retrying describeCluster', async () => {
    const admin = new ScriptedCluster(3, 2);
    admin.topics.set('old', { partitions: 4, rf: 1 });
    const r = await provisionReplicatedTopics(
      admin,
      [
        { topic: 'old', numPartitions: 6 },
        { topic: 'new', numPartitions: 6 },
      ],
      {},
      { pollMs: 1 },
    );
    expect(r.created).toEqual(['new']);
    expect(r.brokers).toBe(3);
    expect(r.replication).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(admin.creates).toEqual([[{ topic: 'new', numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }]]);
    expect(r.underReplicated).toEqual([{ topic: 'old', replicas: 1 }]);
  });

  it('gives up with the last error when the cluster never answers', async () => {
    const admin = new ScriptedCluster(3, 1_000_000);
    await expect(provisionReplicatedTopics(admin, [{ topic: 'x' }], {}, { timeoutMs: 30, pollMs: 1 })).rejects.toThrow(TopicProvisionError);
    await expect(provisionReplicatedTopics(admin, [{ topic: 'x' }], {}, { timeoutMs: 30, pollMs: 1 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses impossible settings before creating anything', async () => {
    const admin = new ScriptedCluster(3);
    await expect(provisionReplicatedTopics(admin, [{ topic: 'x' }], { replicationFactor: 1, minInsyncReplicas: 2 })).rejects.toThrow(ReplicationError);
    expect(admin.creates).toEqual([]);
  });
});
