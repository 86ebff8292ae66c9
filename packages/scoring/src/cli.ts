#!/usr/bin/env node
// fleetwire-scoring migrate | run | batch | partitions — see README.
import { parseArgs } from 'node:util';
import { isValidSegment } from '@fleetwire/proto';
import pino from 'pino';
import { DEFAULT_MODEL_VERSION, readEnv } from './config.js';
import { createRedisCache } from './adapters/redis/cache.js';
import { createKafka, ensureReplicatedTopics, KafkaPublisher, KafkaSource } from './adapters/kafka/kafka.js';
import { parseReplicationSetting } from '@fleetwire/proto';
import { loadModel } from './adapters/onnx/model.js';
import { migrate } from './adapters/pg/migrate.js';
import { createPgDb } from './adapters/pg/db.js';
import { PartitionManager } from './adapters/pg/partitions.js';
import { parseDuration, runBatchScore } from './batch/batch.js';
import { startOpsServer } from './ops/http.js';
import { startRealtimeScorer } from './realtime/scorer.js';

const USAGE = `usage: fleetwire-scoring <command> [options]
  migrate                                  apply pending SQL migrations
  run                                      real-time scorer (consumer group, /healthz /readyz /metrics)
  batch (--all | --tenant T [--drivers a,b]) [--period 30d] [--until ISO] [--chunk 20000]
  partitions list | ensure [--ahead 2] | retire --retention-months N [--export DIR] [--dry-run]
  eval [DIR ...] [--model 2.1.0] [--json FILE]  real recordings through the pipeline (default: the bundled set)
env: FW_DATABASE_URL (required), FW_KAFKA_BROKERS (run), FW_REDIS_URL, FW_DB_SCHEMA, FW_MODEL_VERSION, FW_SCORING_PORT ...`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === 'eval') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { model: { type: 'string' }, json: { type: 'string' } } });
    const { defaultEvalDirs, formatTable, runEval, writeEvalJson } = await import('./eval/run-eval.js');
    const { summarise } = await import('./eval/summary.js');
    const model = await loadModel(values.model ?? process.env.FW_MODEL_VERSION ?? DEFAULT_MODEL_VERSION, { dir: process.env.FW_MODELS_DIR || undefined });
    try {
      const dirs = positionals.length > 0 ? positionals : defaultEvalDirs();
      if (dirs.length === 0) throw new Error('no recordings: give directories, or run from a checkout that has packages/scoring/eval/data');
      const t0 = Date.now();
      const r = await runEval(dirs, model);
      console.log(formatTable(r.recordings));
      console.log('');
      console.log(summarise(r.recordings));
      console.log(`\n${r.recordings.length} recordings, model ${model.version}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (values.json) writeEvalJson(values.json, r);
    } finally {
      await model.close();
    }
    return 0;
  }
  const env = readEnv(process.env, { kafka: cmd === 'run' });
  const log = pino({ level: env.logLevel, base: { svc: 'fw-scoring' } });
  const db = await createPgDb(env.databaseUrl, { schema: env.dbSchema });
  try {
    if (cmd === 'migrate') {
      const r = await migrate(db);
      log.info({ applied: r.applied, current: r.current }, 'migrations done');
      return 0;
    }
    if (cmd === 'partitions') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ahead: { type: 'string' }, 'retention-months': { type: 'string' }, export: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
      const pm = new PartitionManager(db);
      const sub = positionals[0] ?? 'list';
      if (sub === 'ensure') log.info({ created: await pm.createAhead(Date.now(), Number(values.ahead ?? 2)) }, 'partitions ensured');
      else if (sub === 'retire') {
        const months = Number(values['retention-months']);
        if (!Number.isInteger(months) || months < 1) throw new Error('--retention-months must be an integer >= 1');
        const r = await pm.retire({ nowMs: Date.now(), retentionMonths: months, exportDir: values.export, dryRun: values['dry-run'] });
        log.info({ retired: r.retired.map((p) => p.name), exported: r.exported, keysPruned: r.keysPruned, dryRun: !!values['dry-run'] }, 'partitions retired');
      } else if (sub === 'list') for (const p of await pm.list()) console.log(`${p.table}\t${p.name}\t${new Date(p.fromMs).toISOString()}\t${new Date(p.toMs).toISOString()}`);
      else throw new Error(`unknown partitions subcommand "${sub}"`);
      return 0;
    }
    if (cmd === 'batch') {
      const { values } = parseArgs({ args: rest, options: { all: { type: 'boolean' }, tenant: { type: 'string' }, drivers: { type: 'string' }, period: { type: 'string' }, until: { type: 'string' }, chunk: { type: 'string' } } });
      if (values.drivers && values.tenant === undefined) throw new Error('--drivers are ids within a tenant: give --tenant T with them');
      if (!values.all && values.tenant === undefined) throw new Error('batch needs --all (every tenant) or --tenant T (optionally with --drivers a,b)');
      if (values.all && (values.tenant !== undefined || values.drivers)) throw new Error('batch --all scores every tenant: drop --tenant/--drivers, or drop --all');
      if (values.tenant !== undefined && !isValidSegment(values.tenant)) throw new Error(`--tenant "${values.tenant}" is not a tenant id ([A-Za-z0-9._:-]{1,128})`);
      const until = values.until ? Date.parse(values.until) : Date.now();
      if (!Number.isFinite(until)) throw new Error(`--until "${values.until}" is not a date`);
      const model = await loadModel(env.modelVersion, { dir: env.modelsDir });
      const cache = env.redisUrl ? createRedisCache(env.redisUrl) : undefined;
      try {
        const s = await runBatchScore({
          db, model, cache, periodMs: parseDuration(values.period ?? '30d'), untilMs: until, tenant: values.tenant,
          drivers: values.drivers ? values.drivers.split(',').map((d) => d.trim()).filter(Boolean) : undefined,
          chunkSize: values.chunk ? Number(values.chunk) : undefined,
          onProgress: (p) => log.info(p, 'batch progress'),
        });
        log.info(s, 'batch scoring done');
        console.log(JSON.stringify(s));
      } finally {
        await cache?.close();
        await model.close();
      }
      return 0;
    }
    if (cmd === 'run') {
      await migrate(db);
      const model = await loadModel(env.modelVersion, { dir: env.modelsDir });
      const clusterNodes = (process.env.FW_REDIS_CLUSTER_NODES ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const onRedisError = (e: Error) => log.warn({ err: e.message }, 'redis unavailable; scores still go to Postgres');
      const cache = env.redisUrl || clusterNodes.length > 0 ? createRedisCache(env.redisUrl ?? '', onRedisError, { clusterNodes }) : new (await import('./adapters/cache.js')).MemoryCache();
      const kafka = createKafka({ brokers: env.kafkaBrokers });
      if (process.env.FW_SCORING_CREATE_TOPICS !== '0') {
        const replication = {
          replicationFactor: parseReplicationSetting('FW_KAFKA_REPLICATION_FACTOR', process.env.FW_KAFKA_REPLICATION_FACTOR),
          minInsyncReplicas: parseReplicationSetting('FW_KAFKA_MIN_INSYNC_REPLICAS', process.env.FW_KAFKA_MIN_INSYNC_REPLICAS),
        };
        const r = await ensureReplicatedTopics(kafka, [env.topic, ...Object.values(env.topics)], Number(process.env.FW_KAFKA_PARTITIONS ?? 3), replication);
        if (r.created.length > 0) log.info({ created: r.created, ...r.replication, brokers: r.brokers }, 'created missing Kafka topics');
        for (const u of r.underReplicated) log.warn({ topic: u.topic, replicas: u.replicas, want: r.replication.replicationFactor }, 'existing Kafka topic has fewer replicas than configured; reassign its partitions to raise it');
      }
      const source = new KafkaSource(kafka, { topic: env.topic, groupId: env.groupId, concurrency: env.concurrency, sessionTimeout: env.sessionTimeoutMs });
      const publisher = new KafkaPublisher(kafka);
      const scorer = await startRealtimeScorer({ source, publisher, db, cache, model, core: env.core, topics: env.topics, logger: log, sweepIntervalMs: env.sweepIntervalMs });
      const ops = await startOpsServer({
        port: env.opsPort,
        host: process.env.FW_SCORING_HOST ?? '127.0.0.1',
        ready: () => scorer.ready(),
        metrics: () => {
          for (const [k, v] of source.lag()) {
            const [topic, partition] = k.split('/');
            scorer.metrics.lag.set(v, { topic: topic!, partition: partition! });
          }
          return scorer.metrics.render();
        },
      });
      log.info({ port: ops.port, group: env.groupId, topic: env.topic, model: model.version }, 'real-time scorer running');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('shutting down: finishing the current batch, closing consumer');
      const t0 = Date.now();
      await ops.close();
      await scorer.stop();
      await publisher.close();
      await cache.close();
      await model.close();
      log.info({ ms: Date.now() - t0 }, 'stopped');
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    const t = Date.now();
    await db.close();
    if (cmd === 'run') log.info({ ms: Date.now() - t }, 'database pool closed');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`fleetwire-scoring: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
    process.exit(1);
  },
);
