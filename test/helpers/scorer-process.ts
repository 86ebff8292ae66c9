// The real-time scorer as a child process (node packages/scoring/dist/cli.js run), one member of a consumer
// group of a test run, so a test can SIGKILL it or SIGTERM it and read its /metrics: @fleetwire/test-kit's
// ScorerCli with the env of the stack and the run's names. Needs `npm run build`.
import { ScorerCli } from '@fleetwire/test-kit';
import type { StackEnv } from './env.js';
import type { RunNames } from './pipeline.js';

export type ScorerProcess = ScorerCli;

/** The scorer CLI's env for a run: the stack's servers, the run's schema, group and topics (ops port aside). */
export function scorerEnv(env: StackEnv, n: RunNames, extraEnv: Record<string, string> = {}): Record<string, string> {
  return {
    FW_KAFKA_BROKERS: env.brokers.join(','),
    FW_DATABASE_URL: env.databaseUrl,
    FW_REDIS_URL: env.redisUrl,
    FW_DB_SCHEMA: n.schema,
    FW_SCORING_GROUP: n.group,
    FW_SCORING_TOPIC: n.telemetry,
    FW_TOPIC_TRIPS: n.out.trips,
    FW_TOPIC_SCORES: n.out.scores,
    FW_TOPIC_ALERTS: n.out.alerts,
    FW_TOPIC_DEADLETTER: n.out.deadletter,
    FW_SCORING_CREATE_TOPICS: '0',
    FW_SCORING_SWEEP_MS: '0',
    FW_MODEL_VERSION: '1.0.0',
    FW_LOG_LEVEL: 'info',
    ...extraEnv,
  };
}

/** Starts a member and waits until its ops port answers /readyz with 200 (joined, consuming). */
export function startScorerProcess(name: string, env: StackEnv, n: RunNames, extraEnv: Record<string, string> = {}): Promise<ScorerProcess> {
  return ScorerCli.start(name, scorerEnv(env, n, extraEnv));
}
