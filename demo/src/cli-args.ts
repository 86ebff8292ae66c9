/** Command-line flags of fleetwire-demo (pure: argv in, typed options or ConfigError out). */
import { parseArgs, renderHelp, type OptionTable } from '@fleetwire/runtime';
import { durationOption, speedupOption } from '@fleetwire/firmware-sim';

export interface DemoArgs {
  command: 'demo';
  devices: number;
  speedup: number;
  durationMs: number;
  dataDir?: string;
  /** HTML report path (default fleetwire-report.html). */
  report: string;
  seed: string;
}

type DemoFlag = Exclude<keyof DemoArgs, 'command'>;

export const DEMO_OPTIONS: OptionTable<DemoFlag> = [
  { key: 'devices', flag: 'devices', kind: 'int', min: 1, max: 2000, help: 'number of simulated devices' },
  { key: 'speedup', flag: 'speedup', kind: 'custom', arg: 'X|max', help: 'simulated/real time ratio', parse: speedupOption },
  { key: 'durationMs', flag: 'duration', kind: 'custom', arg: 'D', help: 'simulated driving per device: 90s, 30m, 2h', shows: '40m', parse: durationOption() },
  { key: 'dataDir', flag: 'data-dir', kind: 'str', arg: 'DIR', help: 'SQLite outboxes of the devices', shows: 'a temporary directory, removed at the end' },
  { key: 'report', flag: 'report', kind: 'str', arg: 'FILE', help: 'HTML report written at the end' },
  { key: 'seed', flag: 'seed', kind: 'str', help: 'random seed (same seed, same fleet)' },
];

export const DEMO_DEFAULTS = { devices: 12, speedup: 240, durationMs: 2_400_000, report: 'fleetwire-report.html', seed: 'fleetwire-demo' } as const;

export const USAGE = renderHelp({
  usage: `usage: fleetwire-demo [flags]   (npm start)
  the whole fleetwire path on one machine: simulated fleet -> gateway -> embedded log -> real-time scorer ->
  PGlite (or the real Kafka/PostgreSQL/Redis when FW_KAFKA_BROKERS and FW_DATABASE_URL are set);
  a live table, then an HTML report`,
  table: DEMO_OPTIONS,
  defaults: DEMO_DEFAULTS,
  footer:
    'with servers, the scoring service environment applies (FW_SCORING_TOPIC, FW_TOPIC_*, FW_SCORING_GROUP, FW_DB_SCHEMA, FW_MODEL_VERSION; fleetwire-scoring --help)\nexit codes: 0 trips were scored, 1 failure, 2 no trip scored, 64 bad arguments',
});

/** The demo's flags; `{ command: 'help' }` for --help. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs | { command: 'help' } {
  const allowed = DEMO_OPTIONS.map((o) => `--${o.flag}`).join(' ');
  const r = parseArgs(DEMO_OPTIONS, argv, { once: true, unknownHint: `(allowed: ${allowed})` });
  if (r.help) return { command: 'help' };
  return { ...DEMO_DEFAULTS, ...(r.values as Partial<DemoArgs>), command: 'demo' };
}
