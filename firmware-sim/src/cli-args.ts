/** Command-line parsing and validation for fleetwire-sim (pure: argv + env in, typed options or CliError out). */
import { parseDuration } from './core/clock.js';
import { parseProfileMix, getProfile, type ProfileName } from './core/profiles.js';
import { MAX_DEVICES } from './core/fleet-plan.js';
import { parseGatewayUrl } from './gateway-url.js';

export class CliError extends Error {
  override readonly name = 'CliError';
}

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

export type CliArgs = RunArgs | ExportArgs | DemoArgs | { command: 'help' };

type Flags = Map<string, string>;
const BOOLEAN = new Set(['json', 'accel', 'insecure', 'help']);

function splitFlags(argv: string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') throw new CliError(`unexpected argument "${a}" (flags look like --devices 10)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (flags.has(name)) throw new CliError(`--${name} given twice`);
    if (eq > 0) flags.set(name, a.slice(eq + 1));
    else if (BOOLEAN.has(name)) flags.set(name, 'true');
    else {
      const v = argv[++i];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new CliError(`--${name} needs a value`);
      flags.set(name, v);
    }
  }
  return flags;
}

function take(flags: Flags, allowed: string[]): void {
  for (const k of flags.keys()) if (!allowed.includes(k)) throw new CliError(`unknown flag --${k} (allowed: ${allowed.map((a) => '--' + a).join(' ')})`);
}

function int(flags: Flags, name: string, def: number, lo: number, hi: number): number {
  const s = flags.get(name);
  if (s === undefined) return def;
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(v) || v < lo || v > hi) throw new CliError(`bad --${name} "${s}": must be an integer in [${lo}, ${hi}]`);
  return v;
}

function num(flags: Flags, name: string, def: number, lo: number, hi: number): number {
  const s = flags.get(name);
  if (s === undefined) return def;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v < lo || v > hi) throw new CliError(`bad --${name} "${s}": must be a number in [${lo}, ${hi}]`);
  return v;
}

function duration(flags: Flags, name: string, def: number, allowZero = false): number {
  const s = flags.get(name);
  if (s === undefined) return def;
  let v: number;
  try {
    v = parseDuration(s);
  } catch {
    throw new CliError(`bad --${name} "${s}": use a duration like 90s, 30m, 2h or 1h30m`);
  }
  if (v < 0 || (!allowZero && v === 0)) throw new CliError(`bad --${name} "${s}": must be ${allowZero ? '>= 0' : '> 0'}`);
  return v;
}

function speedup(flags: Flags, def: number): number {
  const s = flags.get('speedup');
  if (s === undefined) return def;
  if (s === 'max' || s === 'inf') return Infinity;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v) || v <= 0 || v > 1e6) throw new CliError(`bad --speedup "${s}": a number > 0 (60 = one simulated hour per real minute) or "max"`);
  return v;
}

function centre(flags: Flags): { lat: number; lon: number } | undefined {
  const s = flags.get('centre');
  if (s === undefined) return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
  const lat = Number(m?.[1]);
  const lon = Number(m?.[2]);
  if (!m || Math.abs(lat) > 85 || Math.abs(lon) > 180) throw new CliError(`bad --centre "${s}": use lat,lon like 52.52,13.405 (|lat| <= 85)`);
  return { lat, lon };
}

const SEGMENT = /^[A-Za-z0-9._:-]{1,128}$/;

export function parseCli(argv: string[], env: Record<string, string | undefined> = {}): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  const flags = splitFlags(rest);
  if (flags.has('help')) return { command: 'help' };
  if (command === 'run') {
    take(flags, ['devices', 'speedup', 'duration', 'gateway', 'tenant', 'data-dir', 'token-secret', 'token-ttl', 'password', 'replay', 'churn', 'offline', 'seed', 'profiles', 'accel-hz', 'gps-hz', 'centre', 'prefix', 'drain-timeout', 'json', 'ca', 'insecure', 'workers']);
    const gateway = flags.get('gateway') ?? env.FW_GATEWAY_URL ?? 'mqtt://127.0.0.1:1883';
    try {
      parseGatewayUrl(gateway);
    } catch (e) {
      throw new CliError(`bad --gateway: ${(e as Error).message}`);
    }
    const tenantList = (flags.get('tenant') ?? 'demo').split(',');
    for (const t of tenantList) if (!SEGMENT.test(t)) throw new CliError(`bad --tenant "${t}": only [A-Za-z0-9._:-], 1..128 chars`);
    if (new Set(tenantList).size !== tenantList.length) throw new CliError(`bad --tenant: "${flags.get('tenant')}" names a tenant twice`);
    const tenant = tenantList[0]!;
    const tenants = tenantList.length > 1 ? tenantList : undefined;
    const prefix = flags.get('prefix') ?? 'sim-';
    if (!/^[A-Za-z0-9._:-]{0,100}$/.test(prefix)) throw new CliError(`bad --prefix "${prefix}": only [A-Za-z0-9._:-]`);
    let profiles: Array<[ProfileName, number]> | undefined;
    if (flags.has('profiles')) {
      try {
        profiles = parseProfileMix(flags.get('profiles')!);
      } catch (e) {
        throw new CliError(`bad --profiles: ${(e as Error).message}`);
      }
    }
    const tokenSecret = flags.get('token-secret') ?? env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0];
    const password = flags.get('password');
    if (tokenSecret !== undefined && password !== undefined) throw new CliError('give either --token-secret or --password, not both');
    if (tokenSecret !== undefined && tokenSecret.length < 16) throw new CliError('bad --token-secret: must be at least 16 characters (as the gateway requires)');
    return {
      command: 'run',
      devices: int(flags, 'devices', 10, 1, MAX_DEVICES),
      speedup: speedup(flags, 60),
      durationMs: duration(flags, 'duration', 3_600_000),
      gateway,
      tenant,
      tenants,
      dataDir: flags.get('data-dir') ?? '.fleetwire-sim',
      tokenSecret,
      tokenTtlSec: int(flags, 'token-ttl', 7 * 86_400, 60, 10 * 365 * 86_400),
      password,
      replay: flags.get('replay'),
      churn: num(flags, 'churn', 0, 0, 60),
      offlineMs: duration(flags, 'offline', 0, true),
      seed: flags.get('seed') ?? 'fleetwire',
      profiles,
      accelHz: int(flags, 'accel-hz', 25, 10, 50),
      gpsHz: num(flags, 'gps-hz', 1, 0.1, 10),
      centre: centre(flags),
      prefix,
      drainTimeoutMs: duration(flags, 'drain-timeout', 60_000),
      json: flags.has('json'),
      ca: flags.get('ca'),
      insecure: flags.has('insecure'),
      workers: int(flags, 'workers', 1, 1, 64),
    };
  }
  if (command === 'export') {
    take(flags, ['format', 'profile', 'duration', 'seed', 'accel', 'accel-hz', 'out', 'centre']);
    const format = flags.get('format') ?? 'gpx';
    if (format !== 'gpx' && format !== 'csv') throw new CliError(`bad --format "${format}": gpx or csv`);
    let profile: ProfileName;
    try {
      profile = getProfile(flags.get('profile') ?? 'normal').name;
    } catch (e) {
      throw new CliError(`bad --profile: ${(e as Error).message}`);
    }
    const withAccel = flags.has('accel');
    if (withAccel && format !== 'csv') throw new CliError('--accel needs --format csv (GPX has no accelerometer)');
    return { command: 'export', format, profile, durationMs: duration(flags, 'duration', 300_000), seed: flags.get('seed') ?? 'export', accelHz: int(flags, 'accel-hz', 10, 10, 50), withAccel, out: flags.get('out'), centre: centre(flags) };
  }
  if (command === 'demo') {
    take(flags, ['devices', 'speedup', 'duration', 'data-dir', 'report', 'seed']);
    return {
      command: 'demo',
      devices: int(flags, 'devices', 12, 1, 2000),
      speedup: speedup(flags, 240),
      durationMs: duration(flags, 'duration', 2_400_000),
      dataDir: flags.get('data-dir'),
      report: flags.get('report') ?? 'fleetwire-report.html',
      seed: flags.get('seed') ?? 'fleetwire-demo',
    };
  }
  throw new CliError(`unknown command "${command}" (run, export, demo, help)`);
}

export const USAGE = `fleetwire-sim — simulated fleet of fleetwire devices

  fleetwire-sim run [flags]      drive N virtual devices through the real device SDK to a gateway
    --devices N           number of devices (default 10)
    --speedup X|max       simulated/real time ratio; 60 = one simulated hour per real minute (default 60)
    --duration D          simulated drive time per device: 90s, 30m, 2h, 1h30m (default 1h)
    --gateway URL         mqtt://, mqtts://, ws://, wss:// (default mqtt://127.0.0.1:1883, env FW_GATEWAY_URL)
    --tenant T[,T2,...]   tenant id (default demo); several: devices spread over them round robin, ids
                          numbered within each tenant (every tenant has its <prefix>0001)
    --data-dir DIR        one SQLite outbox per device (default .fleetwire-sim)
    --token-secret S      mint per-device tokens (env FW_GATEWAY_TOKEN_SECRET); --token-ttl SEC
    --password P          same password for every device ("{id}" and "{tenant}" are replaced by the device id and tenant)
    --replay FILE         replay a .gpx or .csv recording on every device instead of synthetic drives
    --churn R             connection drops per device per real minute (e.g. 0.1)
    --offline D           every device goes offline once for D (real time), at a random moment
    --seed S, --profiles calm:0.3,normal:0.5,aggressive:0.1,speeder:0.1, --accel-hz 10..50, --gps-hz,
    --centre lat,lon, --prefix sim-, --drain-timeout 60s, --ca FILE, --insecure, --json
    --workers N           split the fleet over N threads (one core each; default 1)
  fleetwire-sim export [--format gpx|csv] [--profile P] [--duration 5m] [--seed S] [--accel] [--out FILE]
                                 write one synthetic drive as GPX or CSV
  fleetwire-sim demo [--devices 12] [--speedup 240] [--duration 40m] [--report FILE] [--seed S]
                                 the whole path on one machine (npm start): fleet -> gateway -> embedded
                                 log -> real-time scorer -> PGlite (or real servers when FW_* are set);
                                 live table, then an HTML report
`;
