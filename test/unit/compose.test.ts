// docker-compose.yml, its 3-broker overlay docker-compose.kafka3.yml, and the Dockerfile: the same servers
// as scripts/stack plus the three services.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const svc = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`service ${name} missing`);
  return s;
};

/** Default `NAME="${FW_STACK_...:-VALUE}"` from scripts/stack-common.sh. */
function stackDefault(envName: string): string {
  const m = new RegExp(`\\$\\{${envName}:-([^}]+)\\}`).exec(read('scripts/stack-common.sh'));
  if (!m?.[1]) throw new Error(`${envName} default not found in scripts/stack-common.sh`);
  return m[1];
}
const stackPort = (envName: string): number => Number(stackDefault(envName));

/** Host side of a "127.0.0.1:HOST:CONTAINER" mapping, keyed by container port. */
function hostPorts(s: Service): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of s.ports ?? []) {
    const parts = p.split(':');
    out.set(Number(parts[parts.length - 1]), parts.slice(0, -1).join(':'));
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('has the three servers and the three fleetwire services', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'kafka', 'postgres', 'redis', 'scoring', 'simulator']);
  });

  it('uses official images: Kafka 4.1.x, the version scripts/stack runs by default; postgres 15, redis 7', () => {
    expect(svc('kafka').image).toMatch(/^apache\/kafka:4\.1\.\d+$/);
    expect(svc('kafka').image).toBe(`apache/kafka:${stackDefault('FW_STACK_KAFKA_VERSION')}`);
    expect(svc('postgres').image).toBe('postgres:15');
    expect(svc('redis').image).toBe('redis:7');
    const k = svc('kafka').environment ?? {};
    expect(k.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(k.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka:9093');
    expect(k.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(k.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('true');
    expect(String(k.KAFKA_ADVERTISED_LISTENERS)).toContain('PLAINTEXT://kafka:9092');
    expect(svc('postgres').environment?.POSTGRES_DB).toBe('fleetwire');
  });

  it('publishes the servers on loopback only, on the same ports as scripts/stack', () => {
    expect(hostPorts(svc('kafka')).get(stackPort('FW_STACK_KAFKA_PORT'))).toBe(`127.0.0.1:${stackPort('FW_STACK_KAFKA_PORT')}`);
    expect(String(svc('kafka').environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`127.0.0.1:${stackPort('FW_STACK_KAFKA_PORT')}`);
    expect(hostPorts(svc('postgres')).get(5432)).toBe(`127.0.0.1:${stackPort('FW_STACK_PG_PORT')}`);
    expect(hostPorts(svc('redis')).get(6379)).toBe(`127.0.0.1:${stackPort('FW_STACK_REDIS_PORT')}`);
    expect(hostPorts(svc('gateway')).get(1883)).toBe('127.0.0.1:1883');
    for (const s of Object.values(services)) for (const p of s.ports ?? []) expect(p.startsWith('127.0.0.1:')).toBe(true);
  });

  it('gives every server a healthcheck the services wait on', () => {
    for (const name of ['kafka', 'postgres', 'redis']) expect(svc(name).healthcheck?.test.length).toBeGreaterThan(0);
    for (const name of ['gateway', 'scoring']) {
      expect(svc(name).depends_on).toEqual({
        kafka: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(Object.keys(svc('simulator').depends_on ?? {})).toContain('gateway');
  });

  it('runs gateway, scoring and simulator from the root Dockerfile with the documented commands', () => {
    const expected: Record<string, string[]> = {
      gateway: ['node', 'packages/gateway/dist/cli.js', 'serve'],
      scoring: ['node', 'packages/scoring/dist/cli.js', 'run'],
      simulator: ['node', 'firmware-sim/dist/cli.js', 'run', '--devices', '50', '--gateway', 'mqtt://gateway:1883'],
    };
    for (const [name, cmd] of Object.entries(expected)) {
      const s = svc(name);
      expect(s.command).toEqual(cmd);
      expect(s.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      // The package the command runs from exists and builds into dist/ with tsup.
      const pkgDir = cmd[1]!.split('/dist/')[0]!;
      expect(existsSync(`${root}${pkgDir}/package.json`)).toBe(true);
      expect(JSON.parse(read(`${pkgDir}/package.json`)).scripts?.build).toBe('tsup');
    }
  });

  it('points every service at the compose servers through FW_* env', () => {
    for (const name of ['gateway', 'scoring', 'simulator']) {
      const env = svc(name).environment ?? {};
      expect(env.FW_KAFKA_BROKERS).toBe('kafka:9092');
      expect(env.FW_DATABASE_URL).toBe('postgres://postgres@postgres:5432/fleetwire');
      expect(env.FW_REDIS_URL).toBe('redis://redis:6379');
      expect(String(env.FW_GATEWAY_TOKEN_SECRET)).toMatch(/^\$\{FW_GATEWAY_TOKEN_SECRET:-.+\}$/);
    }
    expect(svc('gateway').environment?.FW_GATEWAY_HOST).toBe('0.0.0.0');
    expect(svc('gateway').environment?.NODE_OPTIONS).toBe('--max-semi-space-size=64');
  });

  it('names only FW_GATEWAY_* / FW_KAFKA_* variables that the gateway source reads', () => {
    const dir = `${root}packages/gateway/src`;
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(`${dir}/${f}`, 'utf8'))
      .join('\n');
    const names = Object.keys(svc('gateway').environment ?? {}).filter((k) => /^FW_(GATEWAY|KAFKA)_/.test(k));
    expect(names.length).toBeGreaterThan(3);
    for (const n of names) expect(sources.includes(n), `${n} is not read by packages/gateway/src`).toBe(true);
  });
});

/** `docker compose -f a -f b` merging: mappings merge key by key, sequences are unioned, scalars replaced. */
function mergeCompose(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...new Set([...a, ...b])];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? mergeCompose(out[k], v) : v;
    return out;
  }
  return b;
}

describe('docker-compose.kafka3.yml (3-broker overlay)', () => {
  const overlay = parse(read('docker-compose.kafka3.yml'), { merge: true }) as { services: Record<string, Service> };
  const merged = (mergeCompose(compose, overlay) as { services: Record<string, Service> }).services;
  const brokers = ['kafka', 'kafka-2', 'kafka-3'];

  it('adds two brokers to the base file and keeps every other service', () => {
    expect(Object.keys(merged).sort()).toEqual(['gateway', 'kafka', 'kafka-2', 'kafka-3', 'postgres', 'redis', 'scoring', 'simulator']);
  });

  it('runs three KRaft nodes (broker + controller) of the base image as one quorum with one cluster id', () => {
    const voters = brokers.map((b, i) => `${i + 1}@${b}:9093`).join(',');
    const ids = new Set<string>();
    brokers.forEach((b, i) => {
      const s = merged[b]!;
      const e = s.environment ?? {};
      expect(s.image).toBe(svc('kafka').image);
      expect(e.KAFKA_NODE_ID).toBe(i + 1);
      expect(e.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(voters);
      expect(String(e.KAFKA_ADVERTISED_LISTENERS)).toContain(`PLAINTEXT://${b}:9092`);
      expect(s.healthcheck?.test.length).toBeGreaterThan(0);
      ids.add(String(e.CLUSTER_ID));
    });
    expect(ids.size).toBe(1);
    // Kafka's cluster id: 16 bytes base64url (22 characters), not starting with '-'.
    expect([...ids][0]).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('replicates like scripts/stack with 3 nodes: RF 3, min.insync.replicas 2, no unclean election', () => {
    const stackKafka = read('scripts/stack-kafka.sh');
    expect(stackKafka).toContain('KAFKA_RF=3; KAFKA_MIN_ISR=2');
    for (const b of brokers) {
      const e = merged[b]!.environment ?? {};
      expect(e.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe(3);
      expect(e.KAFKA_MIN_INSYNC_REPLICAS).toBe(2);
      expect(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(3);
      expect(e.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe(3);
      expect(e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe(2);
      expect(e.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE).toBe('false');
    }
    for (const name of ['gateway', 'scoring']) {
      const e = merged[name]!.environment ?? {};
      expect(e.FW_KAFKA_BROKERS).toBe('kafka:9092,kafka-2:9092,kafka-3:9092');
      expect(e.FW_KAFKA_REPLICATION_FACTOR).toBe(3);
      expect(e.FW_KAFKA_MIN_INSYNC_REPLICAS).toBe(2);
      expect(Object.keys(merged[name]!.depends_on ?? {}).sort()).toEqual(['kafka', 'kafka-2', 'kafka-3', 'postgres', 'redis']);
    }
    expect(merged.simulator!.environment?.FW_KAFKA_BROKERS).toBe('kafka:9092,kafka-2:9092,kafka-3:9092');
    // the scorer reads the same variables (packages/scoring/src/cli.ts)
    const scoringCli = read('packages/scoring/src/cli.ts');
    expect(scoringCli).toContain('FW_KAFKA_REPLICATION_FACTOR');
    expect(scoringCli).toContain('FW_KAFKA_MIN_INSYNC_REPLICAS');
  });

  it('publishes the brokers on loopback at scripts/stack ports: node i on FW_STACK_KAFKA_PORT + 2(i-1)', () => {
    const base = stackPort('FW_STACK_KAFKA_PORT');
    brokers.forEach((b, i) => {
      const port = base + 2 * i;
      expect(merged[b]!.ports).toEqual([`127.0.0.1:${port}:${port}`]);
      expect(String(merged[b]!.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`HOST://127.0.0.1:${port}`);
    });
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const froms = text.split('\n').filter((l) => l.startsWith('FROM '));

  it('is multi-stage on node:20 and builds with npm ci + npm run build', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:20[\w.-]* AS \w+$/);
    expect(text).toMatch(/RUN .*npm ci/);
    expect(text).toMatch(/npm run build/);
    expect(text).toMatch(/COPY --from=build/);
    expect(text).toContain('ONNXRUNTIME_NODE_INSTALL_CUDA=skip');
  });

  it('keeps node_modules and dist out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    expect(ignore).toContain('node_modules');
    expect(ignore).toContain('**/dist');
  });
});
