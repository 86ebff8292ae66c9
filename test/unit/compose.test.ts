// docker-compose.yml and Dockerfile: the same servers as scripts/stack plus the three services.
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

/** Default port `NAME="${FW_STACK_..._PORT:-N}"` from scripts/stack-common.sh. */
function stackPort(envName: string): number {
  const m = new RegExp(`\\$\\{${envName}:-(\\d+)\\}`).exec(read('scripts/stack-common.sh'));
  if (!m?.[1]) throw new Error(`${envName} default not found in scripts/stack-common.sh`);
  return Number(m[1]);
}

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

  it('uses official images: Kafka 3.9.x (KRaft, kafkajs-compatible), postgres 15, redis 7', () => {
    expect(svc('kafka').image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
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
