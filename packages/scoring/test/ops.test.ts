import { describe, expect, it } from 'vitest';
import { dbPoolSizeFor, readEnv } from '../src/config.js';
import { ConfigError } from '@fleetwire/runtime';
import { parseDuration } from '../src/batch/batch.js';
import { ScoringMetrics } from '../src/ops/metrics.js';
import { startOpsServer } from '../src/ops/http.js';
import { classifyDbError, isTransientDbError } from '../src/adapters/db.js';

describe('config', () => {
  const base = { FW_DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
  it('reads env with defaults', () => {
    const e = readEnv({ ...base, FW_KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093', FW_SCORING_SPEED_LIMIT_KMH: '90' });
    expect(e.kafkaBrokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(e.groupId).toBe('fw-scoring-rt');
    expect(e.topic).toBe('fw.telemetry.v1');
    expect(e.core.speedLimitMs).toBeCloseTo(25, 9);
  });
  it('names the bad value', () => {
    expect(() => readEnv({ FW_DATABASE_URL: 'mysql://x' })).toThrow(/FW_DATABASE_URL="mysql:\/\/x"/);
    expect(() => readEnv({ ...base, FW_KAFKA_BROKERS: 'nohost' })).toThrow(/"nohost" must be host:port/);
    expect(() => readEnv({ ...base }, { kafka: true })).toThrow(ConfigError);
    expect(() => readEnv({ ...base, FW_SCORING_IDLE_END_MIN: 'soon' })).toThrow(/FW_SCORING_IDLE_END_MIN="soon"/);
    expect(() => readEnv({ ...base, FW_DB_SCHEMA: 'Robert; DROP' })).toThrow(/FW_DB_SCHEMA/);
  });
  it('parses FW_KAFKA_BROKERS as the gateway does (IPv6 literals in brackets)', () => {
    expect(readEnv({ ...base, FW_KAFKA_BROKERS: '[::1]:9092, 127.0.0.1:9093' }).kafkaBrokers).toEqual(['[::1]:9092', '127.0.0.1:9093']);
    expect(() => readEnv({ ...base, FW_KAFKA_BROKERS: '::1:9092' })).toThrow(ConfigError);
  });
  it('reads the settings the CLI used to read on its own', () => {
    const e = readEnv({ ...base, FW_SCORING_CREATE_TOPICS: '0', FW_KAFKA_PARTITIONS: '12', FW_SCORING_HOST: '0.0.0.0' });
    expect([e.createTopics, e.kafkaPartitions, e.opsHost]).toEqual([false, 12, '0.0.0.0']);
    expect(readEnv(base).createTopics).toBe(true);
    expect(() => readEnv({ ...base, FW_KAFKA_PARTITIONS: 'many' })).toThrow(/FW_KAFKA_PARTITIONS="many"/);
    expect(readEnv({ FW_MODEL_VERSION: '1.0.0' }, { database: false }).modelVersion).toBe('1.0.0');
  });
  it('sizes the Postgres pool by the partitions handled at once (one transaction each, plus the sweep)', () => {
    expect(dbPoolSizeFor(readEnv(base).concurrency)).toBe(Math.max(4, readEnv(base).concurrency + 1));
    expect(dbPoolSizeFor(1)).toBe(4);
    expect(dbPoolSizeFor(8)).toBe(9);
  });
  it('parses durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(() => parseDuration('a month')).toThrow(/30d/);
  });
  it('classifies transient database errors', () => {
    expect(isTransientDbError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('value too long for type character varying(8)'), { code: '22001' }))).toBe(false);
  });
  it('classifies database errors by what they say about the record', () => {
    const err = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});
    // Nothing about the record: pause and retry, give no record up.
    for (const [code, msg] of [
      ['ECONNRESET', 'read ECONNRESET'],
      ['57P01', 'terminating connection'],
      ['53100', 'could not extend file: No space left on device'],
      ['53300', 'too many clients'],
      ['40001', 'could not serialize access'],
      ['40P01', 'deadlock detected'],
      ['57014', 'canceling statement due to statement timeout'],
      ['42P01', 'relation "trips" does not exist'],
      ['42501', 'permission denied for table trips'],
      ['42601', 'syntax error'],
      ['58030', 'could not read block'],
      ['XX000', 'internal error'],
      [undefined, 'Connection terminated unexpectedly'],
    ] as const)
      expect([code, classifyDbError(err(code, msg))]).toEqual([code, 'transient']);
    expect(classifyDbError(err('23514', 'no partition of relation "batch_summaries" found for row'))).toBe('missing_partition');
    // The database refuses these rows: the same record gets the same answer.
    for (const [code, msg] of [
      ['23514', 'new row for relation "x" violates check constraint "c"'],
      ['23505', 'duplicate key value'],
      ['22003', 'integer out of range'],
      ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
      ['22P02', 'invalid input syntax for type uuid'],
      [undefined, 'Cannot read properties of undefined'],
    ] as const)
      expect([code, classifyDbError(err(code, msg))]).toEqual([code, 'rejected']);
    expect(classifyDbError(null)).toBe('rejected');
    expect(classifyDbError('a string')).toBe('rejected');
  });
});

describe('ops endpoints', () => {
  it('serve health, readiness and Prometheus metrics', async () => {
    const m = new ScoringMetrics();
    m.noteRecords(5);
    m.inference.observe(0.003);
    m.lag.set(7, { topic: 't', partition: '0' });
    let ready = false;
    const s = await startOpsServer({ port: 0, ready: () => ready, metrics: () => m.render() });
    try {
      const get = (p: string) => fetch(`http://127.0.0.1:${s.port}${p}`);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz')).status).toBe(503);
      ready = true;
      expect((await get('/readyz')).status).toBe(200);
      const text = await (await get('/metrics')).text();
      expect(text).toContain('fw_scoring_records_total 5');
      expect(text).toContain('fw_scoring_consumer_lag{topic="t",partition="0"} 7');
      expect(text).toContain('fw_scoring_inference_seconds_bucket{le="0.005"} 1');
      expect((await get('/nope')).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
