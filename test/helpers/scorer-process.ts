// The real-time scorer as a child process (node packages/scoring/dist/cli.js run), one member of a consumer
// group of a test run, so a test can SIGKILL it or SIGTERM it and read its /metrics: @fleetwire/test-kit's
// ScorerCli with the env of the stack and the run's names. Needs `npm run build`.
import { ScorerCli, scorerEnv } from '@fleetwire/test-kit';
import type { StackEnv } from './env.js';
import type { RunNames } from './pipeline.js';

export type ScorerProcess = ScorerCli;

/** Starts a member and waits until its ops port answers /readyz with 200 (joined, consuming). */
export function startScorerProcess(name: string, env: StackEnv, n: RunNames, extraEnv: Record<string, string> = {}): Promise<ScorerProcess> {
  return ScorerCli.start(name, scorerEnv(env, { schema: n.schema, group: n.group, topic: n.telemetry, out: n.out }, extraEnv));
}
