/** Command-line parsing and validation for fleetwire-sim (pure: argv + env in, typed options or ConfigError out). */
import { ConfigError, parseArgs, renderHelp, type Option, type OptionTable } from '@fleetwire/runtime';
import { parseDuration } from './core/clock.js';
import { parseProfileMix, getProfile, type ProfileName } from './core/profiles.js';
import { MAX_DEVICES } from './core/fleet-plan.js';
import { parseGatewayUrl } from './gateway-url.js';

export interface RunArgs {
  command: 'run';
  devices: number;
  speedup: number;
  durationMs: number;
  gateway: string;
  tenant: string;
  /** --tenant a,b,c: the devices spread over these tenants, ids overlapping (see FleetOptions.tenants). */
  tenants?: string[];
  dataDir: string;
  tokenSecret?: string;
  tokenTtlSec: number;
  password?: string;
  replay?: string;
  churn: number;
  offlineMs: number;
  seed: string;
  profiles?: Array<[ProfileName, number]>;
  accelHz: number;
  gpsHz: number;
  centre?: { lat: number; lon: number };
  prefix: string;
  drainTimeoutMs: number;
  json: boolean;
  ca?: string;
  insecure: boolean;
  /** Worker threads the fleet is split over (device i in thread i % workers). */
  workers: number;
}

export interface ExportArgs {
  command: 'export';
  format: 'gpx' | 'csv';
  profile: ProfileName;
  durationMs: number;
  seed: string;
  accelHz: number;
  withAccel: boolean;
  out?: string;
  centre?: { lat: number; lon: number };
}

export type CliArgs = RunArgs | ExportArgs | { command: 'help' };

type Reject = (why: string) => never;

/** Option parser for a duration flag (90s, 30m, 2h, 1h30m, 500ms), > 0 unless `allowZero`. */
export function duration(allowZero = false): Option['parse'] {
  return (s: string, reject: Reject) => {
    let v: number;
    try {
      v = parseDuration(s);
    } catch {
      return reject('use a duration like 90s, 30m, 2h or 1h30m');
    }
    if (v < 0 || (!allowZero && v === 0)) reject(allowZero ? 'must be >= 0' : 'must be > 0');
    return v;
  };
}

/** Option parser for --speedup: a ratio > 0, or max/inf. */
export function speedup(s: string, reject: Reject): number {
  if (s === 'max' || s === 'inf') return Infinity;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v <= 0 || v > 1e6) reject('a number > 0 (60 = one simulated hour per real minute) or "max"');
  return v;
}

function centre(s: string, reject: Reject): { lat: number; lon: number } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
  const lat = Number(m?.[1]);
  const lon = Number(m?.[2]);
  if (!m || Math.abs(lat) > 85 || Math.abs(lon) > 180) reject('use lat,lon like 52.52,13.405 (|lat| <= 85)');
  return { lat, lon };
}

const SEGMENT = /^[A-Za-z0-9._:-]{1,128}$/;

type RunFlag = Exclude<keyof RunArgs, 'command' | 'tenants'>;
type ExportFlag = Exclude<keyof ExportArgs, 'command'>;

/** `fleetwire-sim run` flags. Defaults are in RUN_DEFAULTS; --gateway and --token-secret also come from the environment. */
export const RUN_OPTIONS: OptionTable<RunFlag> = [
  { key: 'devices', flag: 'devices', kind: 'int', min: 1, max: MAX_DEVICES, help: 'number of devices' },
  { key: 'speedup', flag: 'speedup', kind: 'custom', arg: 'X|max', parse: speedup, help: 'simulated/real time ratio; 60 = one simulated hour per real minute' },
  {
    key: 'durationMs',
    flag: 'duration',
    kind: 'custom',
    arg: 'D',
    parse: duration(),
    help: 'simulated drive time per device: 90s, 30m, 2h, 1h30m',
    shows: '1h',
  },
  { key: 'gateway', flag: 'gateway', env: 'FW_GATEWAY_URL', kind: 'str', arg: 'URL', help: 'mqtt://, mqtts://, ws://, wss://' },
  {
    key: 'tenant',
    flag: 'tenant',
    kind: 'str',
    arg: 'T[,T2,...]',
    help: 'tenant id; several: devices spread over them round robin, ids numbered within each tenant',
  },
  { key: 'dataDir', flag: 'data-dir', kind: 'str', arg: 'DIR', help: 'one SQLite outbox per device' },
  {
    key: 'tokenSecret',
    flag: 'token-secret',
    env: 'FW_GATEWAY_TOKEN_SECRET',
    kind: 'str',
    help: 'mint per-device tokens with this secret (the first one of the variable)',
  },
  { key: 'tokenTtlSec', flag: 'token-ttl', kind: 'int', min: 60, max: 10 * 365 * 86_400, arg: 'SEC', help: 'lifetime of minted tokens' },
  { key: 'password', flag: 'password', kind: 'str', arg: 'P', help: 'same password for every device ("{id}" and "{tenant}" are replaced)' },
  { key: 'replay', flag: 'replay', kind: 'str', arg: 'FILE', help: 'replay a .gpx or .csv recording on every device instead of synthetic drives' },
  { key: 'churn', flag: 'churn', kind: 'num', min: 0, max: 60, arg: 'R', help: 'connection drops per device per real minute (e.g. 0.1)' },
  {
    key: 'offlineMs',
    flag: 'offline',
    kind: 'custom',
    arg: 'D',
    parse: duration(true),
    help: 'every device goes offline once for D (real time), at a random moment',
    shows: '0',
  },
  { key: 'seed', flag: 'seed', kind: 'str', help: 'random seed (same seed, same fleet)' },
  {
    key: 'profiles',
    flag: 'profiles',
    kind: 'custom',
    arg: 'MIX',
    help: 'driver profile mix, e.g. calm:0.3,normal:0.5,aggressive:0.1,speeder:0.1',
    parse: (s, reject) => {
      try {
        return parseProfileMix(s);
      } catch (e) {
        return reject((e as Error).message);
      }
    },
  },
  { key: 'accelHz', flag: 'accel-hz', kind: 'int', min: 10, max: 50, help: 'accelerometer rate' },
  { key: 'gpsHz', flag: 'gps-hz', kind: 'num', min: 0.1, max: 10, help: 'GPS rate' },
  { key: 'centre', flag: 'centre', kind: 'custom', arg: 'LAT,LON', parse: centre, help: 'centre of the synthetic city', shows: 'Berlin' },
  { key: 'prefix', flag: 'prefix', kind: 'str', help: 'device id prefix' },
  {
    key: 'drainTimeoutMs',
    flag: 'drain-timeout',
    kind: 'custom',
    arg: 'D',
    parse: duration(),
    help: 'how long devices may take to upload what is left at the end',
    shows: '60s',
  },
  { key: 'json', flag: 'json', kind: 'bool', help: 'print the summary as JSON' },
  { key: 'ca', flag: 'ca', kind: 'str', arg: 'FILE', help: 'CA bundle for mqtts:// / wss://' },
  { key: 'insecure', flag: 'insecure', kind: 'bool', help: 'do not verify the gateway certificate' },
  { key: 'workers', flag: 'workers', kind: 'int', min: 1, max: 64, help: 'split the fleet over N threads (one core each)' },
];

export const RUN_DEFAULTS = {
  devices: 10,
  speedup: 60,
  durationMs: 3_600_000,
  gateway: 'mqtt://127.0.0.1:1883',
  tenant: 'demo',
  dataDir: '.fleetwire-sim',
  tokenTtlSec: 7 * 86_400,
  churn: 0,
  offlineMs: 0,
  seed: 'fleetwire',
  accelHz: 25,
  gpsHz: 1,
  prefix: 'sim-',
  drainTimeoutMs: 60_000,
  json: false,
  insecure: false,
  workers: 1,
} as const;

/** `fleetwire-sim export` flags. */
export const EXPORT_OPTIONS: OptionTable<ExportFlag> = [
  {
    key: 'format',
    flag: 'format',
    kind: 'custom',
    arg: 'gpx|csv',
    help: 'output format',
    parse: (s, reject) => (s === 'gpx' || s === 'csv' ? s : reject('gpx or csv')),
  },
  {
    key: 'profile',
    flag: 'profile',
    kind: 'custom',
    arg: 'P',
    help: 'driver profile (calm, normal, aggressive, speeder)',
    parse: (s, reject) => {
      try {
        return getProfile(s).name;
      } catch (e) {
        return reject((e as Error).message);
      }
    },
  },
  { key: 'durationMs', flag: 'duration', kind: 'custom', arg: 'D', parse: duration(), help: 'drive length', shows: '5m' },
  { key: 'seed', flag: 'seed', kind: 'str', help: 'random seed' },
  { key: 'withAccel', flag: 'accel', kind: 'bool', help: 'add accelerometer columns x,y,z (csv only)' },
  { key: 'accelHz', flag: 'accel-hz', kind: 'int', min: 10, max: 50, help: 'accelerometer rate with --accel' },
  { key: 'out', flag: 'out', kind: 'str', arg: 'FILE', help: 'write to FILE instead of stdout' },
  { key: 'centre', flag: 'centre', kind: 'custom', arg: 'LAT,LON', parse: centre, help: 'centre of the synthetic city', shows: 'Berlin' },
];

export const EXPORT_DEFAULTS = { format: 'gpx', profile: 'normal', durationMs: 300_000, seed: 'export', withAccel: false, accelHz: 10 } as const;

function flagsOf(table: OptionTable, argv: string[]): { values: Record<string, unknown>; help: boolean } {
  const allowed = table.map((o) => `--${o.flag}`).join(' ');
  const r = parseArgs(table, argv, { once: true, unknownHint: `(allowed: ${allowed})` });
  return { values: r.values, help: r.help };
}

export function parseCli(argv: string[], env: Record<string, string | undefined> = {}): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'run') {
    const { values: f, help } = flagsOf(RUN_OPTIONS, rest);
    if (help) return { command: 'help' };
    const gateway = (f.gateway as string | undefined) ?? env.FW_GATEWAY_URL ?? RUN_DEFAULTS.gateway;
    try {
      parseGatewayUrl(gateway);
    } catch (e) {
      throw new ConfigError(`bad --gateway: ${(e as Error).message}`, { setting: '--gateway', value: gateway });
    }
    const tenantList = ((f.tenant as string | undefined) ?? RUN_DEFAULTS.tenant).split(',');
    for (const t of tenantList)
      if (!SEGMENT.test(t)) throw new ConfigError(`bad --tenant "${t}": only [A-Za-z0-9._:-], 1..128 chars`, { setting: '--tenant', value: t });
    if (new Set(tenantList).size !== tenantList.length)
      throw new ConfigError(`bad --tenant: "${String(f.tenant)}" names a tenant twice`, { setting: '--tenant', value: f.tenant });
    const tenant = tenantList[0]!;
    const tenants = tenantList.length > 1 ? tenantList : undefined;
    const prefix = (f.prefix as string | undefined) ?? RUN_DEFAULTS.prefix;
    if (!/^[A-Za-z0-9._:-]{0,100}$/.test(prefix))
      throw new ConfigError(`bad --prefix "${prefix}": only [A-Za-z0-9._:-]`, { setting: '--prefix', value: prefix });
    const tokenSecret = (f.tokenSecret as string | undefined) ?? env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0];
    const password = f.password as string | undefined;
    if (tokenSecret !== undefined && password !== undefined) throw new ConfigError('give either --token-secret or --password, not both');
    if (tokenSecret !== undefined && tokenSecret.length < 16)
      throw new ConfigError('bad --token-secret: must be at least 16 characters (as the gateway requires)', { setting: '--token-secret' });
    return {
      ...RUN_DEFAULTS,
      ...(f as Partial<RunArgs>),
      command: 'run',
      gateway,
      tenant,
      tenants,
      prefix,
      tokenSecret,
      password,
    };
  }
  if (command === 'export') {
    const { values: f, help } = flagsOf(EXPORT_OPTIONS, rest);
    if (help) return { command: 'help' };
    const a = { ...EXPORT_DEFAULTS, ...(f as Partial<ExportArgs>), command: 'export' as const };
    if (a.withAccel && a.format !== 'csv') throw new ConfigError('--accel needs --format csv (GPX has no accelerometer)', { setting: '--accel' });
    return a;
  }
  if (command === 'demo')
    throw new ConfigError('the demo has its own command now: npm start, or fleetwire-demo (workspace @fleetwire/demo)', { value: command });
  throw new ConfigError(`unknown command "${command}" (run, export, help)`, { value: command });
}

export const USAGE = [
  'fleetwire-sim — simulated fleet of fleetwire devices',
  '',
  renderHelp({
    usage: '  fleetwire-sim run [flags]      drive N virtual devices through the real device SDK to a gateway',
    heading: 'run flags:',
    table: RUN_OPTIONS,
    defaults: RUN_DEFAULTS,
  }),
  renderHelp({
    usage: '  fleetwire-sim export [flags]   write one synthetic drive as GPX or CSV',
    heading: 'export flags:',
    table: EXPORT_OPTIONS,
    defaults: EXPORT_DEFAULTS,
  }),
  'The demo (npm start) is the fleetwire-demo command of @fleetwire/demo.',
  'exit codes: 0 done, 1 failure, 2 the fleet did not finish (run), 64 bad arguments',
  '',
].join('\n');
