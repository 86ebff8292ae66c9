#!/usr/bin/env node
// fleetwire-scoring migrate | run | batch | partitions | eval — see README. Every command answers --help with
// its flags and the environment (both generated from the option tables).
import { isValidSegment } from '@fleetwire/proto';
import { parseArgs, renderHelp, wantsHelp, type OptionTable } from '@fleetwire/runtime';
import pino from 'pino';
import { dbPoolSizeFor, readEnv, SCORING_DEFAULTS, SCORING_OPTIONS } from './config.js';
import { createRedisCache } from './adapters/redis/cache.js';
import { createKafka, ensureReplicatedTopics, KafkaPublisher, KafkaSource } from './adapters/kafka/kafka.js';
import { loadModel } from './adapters/onnx/model.js';
import { migrate } from './adapters/pg/migrate.js';
import { createPgDb } from './adapters/pg/db.js';
import { PartitionManager } from './adapters/pg/partitions.js';
import { parseDuration, runBatchScore } from './batch/batch.js';
import { startOpsServer } from './ops/http.js';
import { startRealtimeScorer } from './realtime/scorer.js';

const COMMANDS = `usage: fleetwire-scoring <command> [options]   (fleetwire-scoring <command> --help for its flags)
  migrate                                  apply pending SQL migrations
  run                                      real-time scorer (consumer group, /healthz /readyz /metrics)
  batch (--all | --tenant T [--drivers a,b]) [--period 30d] [--until ISO] [--chunk 20000]
  partitions list | ensure [--ahead 2] | retire --retention-months N [--export DIR] [--dry-run]
  eval [DIR ...] [--model 2.1.0] [--json FILE]  real recordings through the pipeline (default: the bundled set)`;
const USAGE = renderHelp({
  usage: COMMANDS,
  heading: 'environment:',
  table: SCORING_OPTIONS,
  defaults: SCORING_DEFAULTS,
  footer: 'exit codes: 0 done, 1 failure or bad input, 2 no or unknown command',
}).trimEnd();

const EVAL_FLAGS: OptionTable<'model' | 'json'> = [
  { key: 'model', flag: 'model', kind: 'str', help: 'model version (default FW_MODEL_VERSION, else the default model)' },
  { key: 'json', flag: 'json', kind: 'str', arg: 'FILE', help: 'also write the results as JSON' },
];
const PARTITION_FLAGS: OptionTable<'ahead' | 'retentionMonths' | 'export' | 'dryRun'> = [
  { key: 'ahead', flag: 'ahead', kind: 'int', help: 'ensure: months created ahead of the current one', shows: '2' },
  { key: 'retentionMonths', flag: 'retention-months', kind: 'int', min: 1, help: 'retire: drop partitions older than this many months (required)' },
  { key: 'export', flag: 'export', kind: 'str', arg: 'DIR', help: 'retire: write each partition to DIR as CSV before dropping it' },
  { key: 'dryRun', flag: 'dry-run', kind: 'bool', help: 'retire: list what would be retired, change nothing' },
];
const BATCH_FLAGS: OptionTable<'all' | 'tenant' | 'drivers' | 'period' | 'until' | 'chunk'> = [
  { key: 'all', flag: 'all', kind: 'bool', help: 'score every tenant' },
  { key: 'tenant', flag: 'tenant', kind: 'str', help: 'score one tenant' },
  { key: 'drivers', flag: 'drivers', kind: 'list', help: 'only these drivers of --tenant' },
  { key: 'period', flag: 'period', kind: 'str', arg: 'D', help: 'scoring period ending at --until: 30d, 12h, 90m', shows: '30d' },
  { key: 'until', flag: 'until', kind: 'str', arg: 'ISO', help: 'end of the period', shows: 'now' },
  { key: 'chunk', flag: 'chunk', kind: 'int', min: 1, help: 'trips read per query', shows: '20000' },
];
const HELP: Record<string, () => string> = {
  migrate: () =>
    renderHelp({
      usage: 'usage: fleetwire-scoring migrate\n  apply pending SQL migrations to FW_DATABASE_URL / FW_DB_SCHEMA',
      heading: 'environment:',
      table: SCORING_OPTIONS.filter((o) => ['databaseUrl', 'dbSchema', 'logLevel'].includes(o.key)),
      defaults: SCORING_DEFAULTS,
    }),
  run: () =>
    renderHelp({
      usage:
        'usage: fleetwire-scoring run\n  the real-time scorer: Kafka consumer group -> trips, events, scores in Postgres/Redis/Kafka; /healthz /readyz /metrics',
      heading: 'environment:',
      table: SCORING_OPTIONS,
      defaults: SCORING_DEFAULTS,
      footer: 'stops on SIGINT/SIGTERM after the current batch',
    }),
  batch: () =>
    renderHelp({
      usage:
        'usage: fleetwire-scoring batch (--all | --tenant T [--drivers a,b]) [options]\n  period scores per driver from the stored trips (FW_DATABASE_URL, FW_MODEL_VERSION, FW_REDIS_URL)',
      table: BATCH_FLAGS,
    }),
  partitions: () =>
    renderHelp({
      usage:
        'usage: fleetwire-scoring partitions list | ensure [--ahead N] | retire --retention-months N [--export DIR] [--dry-run]\n  monthly partitions of the time-series tables',
      table: PARTITION_FLAGS,
    }),
  eval: () =>
    renderHelp({
      usage:
        'usage: fleetwire-scoring eval [DIR ...] [options]\n  real recordings through the detection and scoring pipeline (default: the bundled set); no servers',
      table: EVAL_FLAGS,
    }),
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  if (!HELP[cmd]) {
    console.error(`unknown command ${JSON.stringify(cmd)}\n${COMMANDS}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(HELP[cmd]!());
    return 0;
  }
  if (cmd === 'eval') {
    const { values, positionals } = parseArgs(EVAL_FLAGS, rest, { positionals: true });
    const { defaultEvalDirs, formatTable, runEval, writeEvalJson } = await import('./eval/run-eval.js');
    const { summarise } = await import('./eval/summary.js');
    const settings = readEnv(process.env, { database: false });
    const model = await loadModel((values.model as string | undefined) ?? settings.modelVersion, { dir: settings.modelsDir });
    try {
      const dirs = positionals.length > 0 ? positionals : defaultEvalDirs();
      if (dirs.length === 0) throw new Error('no recordings: give directories, or run from a checkout that has packages/scoring/eval/data');
      const t0 = Date.now();
      const r = await runEval(dirs, model);
      console.log(formatTable(r.recordings));
      console.log('');
      console.log(summarise(r.recordings));
      console.log(`\n${r.recordings.length} recordings, model ${model.version}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (values.json) writeEvalJson(values.json as string, r);
    } finally {
      await model.close();
    }
    return 0;
  }
  const env = readEnv(process.env, { kafka: cmd === 'run' });
  const log = pino({ level: env.logLevel, base: { svc: 'fw-scoring' } });
  const db = await createPgDb(env.databaseUrl, { schema: env.dbSchema, max: dbPoolSizeFor(env.concurrency) });
  try {
    if (cmd === 'migrate') {
      const r = await migrate(db);
      log.info({ applied: r.applied, current: r.current }, 'migrations done');
      return 0;
    }
    if (cmd === 'partitions') {
      const { values, positionals } = parseArgs(PARTITION_FLAGS, rest, { positionals: true });
      const pm = new PartitionManager(db);
      const sub = positionals[0] ?? 'list';
      if (sub === 'ensure') log.info({ created: await pm.createAhead(Date.now(), (values.ahead as number | undefined) ?? 2) }, 'partitions ensured');
      else if (sub === 'retire') {
        const months = values.retentionMonths as number | undefined;
        if (months === undefined) throw new Error('--retention-months must be an integer >= 1');
        const r = await pm.retire({
          nowMs: Date.now(),
          retentionMonths: months,
          exportDir: values.export as string | undefined,
          dryRun: values.dryRun as boolean | undefined,
        });
        log.info({ retired: r.retired.map((p) => p.name), exported: r.exported, keysPruned: r.keysPruned, dryRun: !!values.dryRun }, 'partitions retired');
      } else if (sub === 'list')
        for (const p of await pm.list()) console.log(`${p.table}\t${p.name}\t${new Date(p.fromMs).toISOString()}\t${new Date(p.toMs).toISOString()}`);
      else throw new Error(`unknown partitions subcommand "${sub}"`);
      return 0;
    }
    if (cmd === 'batch') {
      const values = parseArgs(BATCH_FLAGS, rest).values as {
        all?: boolean;
        tenant?: string;
        drivers?: string[];
        period?: string;
        until?: string;
        chunk?: number;
      };
      if (values.drivers && values.tenant === undefined) throw new Error('--drivers are ids within a tenant: give --tenant T with them');
      if (!values.all && values.tenant === undefined) throw new Error('batch needs --all (every tenant) or --tenant T (optionally with --drivers a,b)');
      if (values.all && (values.tenant !== undefined || values.drivers))
        throw new Error('batch --all scores every tenant: drop --tenant/--drivers, or drop --all');
      if (values.tenant !== undefined && !isValidSegment(values.tenant))
        throw new Error(`--tenant "${values.tenant}" is not a tenant id ([A-Za-z0-9._:-]{1,128})`);
      const until = values.until ? Date.parse(values.until) : Date.now();
      if (!Number.isFinite(until)) throw new Error(`--until "${values.until}" is not a date`);
      const model = await loadModel(env.modelVersion, { dir: env.modelsDir });
      const cache = env.redisUrl ? createRedisCache(env.redisUrl) : undefined;
      try {
        const s = await runBatchScore({
          db,
          model,
          cache,
          periodMs: parseDuration(values.period ?? '30d'),
          untilMs: until,
          tenant: values.tenant,
          drivers: values.drivers,
          chunkSize: values.chunk,
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
      const clusterNodes = env.redisClusterNodes;
      const onRedisError = (e: Error) => log.warn({ err: e.message }, 'redis unavailable; scores still go to Postgres');
      const cache =
        env.redisUrl || clusterNodes.length > 0
          ? createRedisCache(env.redisUrl ?? '', onRedisError, { clusterNodes })
          : new (await import('./adapters/cache.js')).MemoryCache();
      const kafka = createKafka({ brokers: env.kafkaBrokers });
      if (env.createTopics) {
        const r = await ensureReplicatedTopics(kafka, [env.topic, ...Object.values(env.topics)], env.kafkaPartitions, env.replication);
        if (r.created.length > 0) log.info({ created: r.created, ...r.replication, brokers: r.brokers }, 'created missing Kafka topics');
        for (const u of r.underReplicated)
          log.warn(
            { topic: u.topic, replicas: u.replicas, want: r.replication.replicationFactor },
            'existing Kafka topic has fewer replicas than configured; reassign its partitions to raise it',
          );
      }
      const source = new KafkaSource(kafka, { topic: env.topic, groupId: env.groupId, concurrency: env.concurrency, sessionTimeout: env.sessionTimeoutMs });
      const publisher = new KafkaPublisher(kafka);
      const scorer = await startRealtimeScorer({
        source,
        publisher,
        db,
        cache,
        model,
        core: env.core,
        topics: env.topics,
        logger: log,
        sweepIntervalMs: env.sweepIntervalMs,
      });
      const ops = await startOpsServer({
        port: env.opsPort,
        host: env.opsHost,
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
    console.error(`unknown command ${JSON.stringify(cmd)}\n${COMMANDS}`);
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
