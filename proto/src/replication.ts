// Replication of the topics fleetwire creates: replication factor and min.insync.replicas, from explicit
// settings or derived from the cluster's size ("auto"). Pure; the admin calls live in provisionTopics.
//
// auto: replication factor min(3, brokers in the cluster metadata); min.insync.replicas 2 when the
// replication factor is 3 or more, else 1. So a 3-node cluster gets 3 copies and acks=all needs 2 of
// them (one broker may die without losing an acknowledged record or stopping writes); a single dev
// broker keeps working with 1/1. KRaft metadata lists only live (unfenced) brokers: a cluster started
// with a broker down resolves lower, so production deployments should set both values explicitly.

export type ReplicationSetting = number | 'auto';

export interface ReplicationSettings {
  replicationFactor?: ReplicationSetting;
  minInsyncReplicas?: ReplicationSetting;
}

export interface Replication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

export class ReplicationError extends Error {
  override readonly name = 'ReplicationError';
}

/** Parses an env/flag value: "auto" (or empty/undefined) or a positive integer. Throws naming `what`. */
export function parseReplicationSetting(what: string, raw: string | undefined): ReplicationSetting {
  const v = (raw ?? '').trim();
  if (v === '' || v.toLowerCase() === 'auto') return 'auto';
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 32) throw new ReplicationError(`${what}=${JSON.stringify(raw)}: expected "auto" or an integer 1..32`);
  return Number(v);
}

/**
 * The setting as an option-table parser (@fleetwire/runtime's `parse(raw, reject)`): "auto" or 1..32, a bad
 * value reported by the loader like any other (`FW_X="v": why`, `bad --x "v": why`).
 */
export const replicationOptionParser =
  (what: string) =>
  (raw: string, reject: (why: string) => never): ReplicationSetting => {
    try {
      return parseReplicationSetting(what, raw);
    } catch {
      return reject('expected "auto" or an integer 1..32');
    }
  };

/** Resolves the settings against the number of brokers the cluster metadata lists. */
export function resolveReplication(s: ReplicationSettings, brokers: number): Replication {
  const rfSetting = s.replicationFactor ?? 'auto';
  const isrSetting = s.minInsyncReplicas ?? 'auto';
  if (rfSetting === 'auto' && !(brokers >= 1))
    throw new ReplicationError('replication factor "auto" needs the broker count; the cluster metadata lists no broker');
  const replicationFactor = rfSetting === 'auto' ? Math.min(3, brokers) : rfSetting;
  const minInsyncReplicas = isrSetting === 'auto' ? (replicationFactor >= 3 ? 2 : 1) : isrSetting;
  if (minInsyncReplicas > replicationFactor) {
    throw new ReplicationError(`min.insync.replicas ${minInsyncReplicas} > replication factor ${replicationFactor}: no acks=all write could ever succeed`);
  }
  return { replicationFactor, minInsyncReplicas };
}

/** The topic-creation fields for a resolved replication. */
export function replicationSpec(r: Replication): { replicationFactor: number; configEntries: Array<{ name: string; value: string }> } {
  return { replicationFactor: r.replicationFactor, configEntries: [{ name: 'min.insync.replicas', value: String(r.minInsyncReplicas) }] };
}

/** Existing topics whose partitions have fewer replicas than wanted (creation does not change them). */
export function underReplicatedTopics(
  md: { topics: Array<{ name: string; partitions: Array<{ replicas?: number[] }> }> },
  want: number,
): Array<{ topic: string; replicas: number }> {
  const out: Array<{ topic: string; replicas: number }> = [];
  for (const t of md.topics) {
    const have = Math.min(...t.partitions.map((p) => p.replicas?.length ?? 0));
    if (t.partitions.length > 0 && have < want) out.push({ topic: t.name, replicas: have });
  }
  return out;
}
