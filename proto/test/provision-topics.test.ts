// provisionTopics against a scripted admin that behaves like a KRaft broker whose metadata lags behind
// the controller (the real-Kafka path is covered by test/integration/stack.int.test.ts).
import { describe, expect, it } from 'vitest';
import { provisionTopics, TopicProvisionError, type TopicAdmin, type TopicSpec } from '../src/index.js';

class LaggingAdmin implements TopicAdmin {
  topics = new Map<string, number>();
  creates: TopicSpec[][] = [];
  metadataCalls = 0;
  constructor(
    private readonly unknownFor: number,
    private readonly noLeaderFor = 0,
    private readonly createFailures = 0,
  ) {}
  async listTopics() {
    return [...this.topics.keys()];
  }
  async createTopics(o: { topics: TopicSpec[] }) {
    this.creates.push(o.topics);
    if (this.creates.length <= this.createFailures) throw new Error('NOT_CONTROLLER');
    for (const t of o.topics) this.topics.set(t.topic, t.numPartitions ?? 1);
    return true;
  }
  async fetchTopicMetadata(o: { topics: string[] }) {
    this.metadataCalls++;
    if (this.metadataCalls <= this.unknownFor) throw new Error('This server does not host this topic-partition');
    return {
      topics: o.topics.map((name) => ({
        name,
        partitions: Array.from({ length: this.topics.get(name) ?? 0 }, (_, i) => ({
          partitionId: i,
          leader: this.metadataCalls <= this.unknownFor + this.noLeaderFor ? -1 : 1,
        })),
      })),
    };
  }
}

describe('provisionTopics', () => {
  it('creates only missing topics and waits through UNKNOWN_TOPIC_OR_PARTITION and leaderless partitions', async () => {
    const admin = new LaggingAdmin(3, 2);
    admin.topics.set('old', 1);
    const created = await provisionTopics(
      admin,
      [
        { topic: 'old', numPartitions: 6 },
        { topic: 'new', numPartitions: 3 },
      ],
      { pollMs: 1 },
    );
    expect(created).toEqual(['new']);
    expect(admin.creates).toEqual([[{ topic: 'new', numPartitions: 3 }]]);
    expect(admin.metadataCalls).toBe(6);
    expect(admin.topics.get('old')).toBe(1);
  });

  it('retries a failed create', async () => {
    const admin = new LaggingAdmin(0, 0, 2);
    expect(await provisionTopics(admin, [{ topic: 'a' }], { pollMs: 1 })).toEqual(['a']);
    expect(admin.creates.length).toBe(3);
  });

  it('gives up after the timeout with the last Kafka error', async () => {
    const admin = new LaggingAdmin(1_000_000);
    const err = await provisionTopics(admin, [{ topic: 'x' }], { timeoutMs: 50, pollMs: 5 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(TopicProvisionError);
    expect((err as Error).message).toMatch(/x have no leaders after 50 ms: This server does not host/);
  });

  it('does nothing for an empty list', async () => {
    const admin = new LaggingAdmin(0);
    expect(await provisionTopics(admin, [])).toEqual([]);
    expect(admin.metadataCalls).toBe(0);
  });
});
