// The one option-table config loader of fleetwire's servers and CLIs, after Aedes' single defaultOptions: a
// program declares its settings once, as a table (key, environment variable, flag, kind, help), and gets from
// it: values read over the defaults from the environment and then from `--flag value` / `--flag=value`
// arguments, `--help` text, and the README's options table. A bad value throws ConfigError naming the
// variable or flag and the value.
import { ConfigError } from './errors.js';
import { parseBrokers } from './brokers.js';

/** How a raw string becomes a value. */
export type Kind =
  /** any string */
  | 'str'
  /** true/false, 1/0, yes/no, on/off; a bare flag means true */
  | 'bool'
  /** integer >= 0 (or within min..max) */
  | 'int'
  /** finite number >= 0 (or within min..max) */
  | 'num'
  /** 0..65535, or off/none/disabled for null */
  | 'port'
  /** comma-separated, non-empty */
  | 'list'
  /** comma-separated Kafka host:port list (also [v6]:port) */
  | 'brokers'
  /** the option's own `parse` (durations, enums, ...) */
  | 'custom';

export interface Option<K extends string = string> {
  key: K;
  /** Environment variable, when the setting can come from the environment. */
  env?: string;
  /** Flag name without the leading --, when the setting can come from the command line. */
  flag?: string;
  kind: Kind;
  help: string;
  /** int/num: smallest allowed value (default 0). */
  min?: number;
  /** int/num: largest allowed value. */
  max?: number;
  /** Placeholder of the value in --help (default from the kind: N, PORT, LIST, ...). */
  arg?: string;
  /** Default shown in --help and the README table (default: the value in the defaults object, if simple). */
  shows?: string;
  /** Parser for kind 'custom' (or to replace a kind's): raw -> value; `reject(why)` throws the ConfigError naming the setting and value. */
  parse?: (raw: string, reject: (why: string) => never) => unknown;
}

export type OptionTable<K extends string = string> = readonly Option<K>[];

/** How a bad value is reported: `FW_X="raw": why` for a variable, `bad --x "raw": why` for a flag. */
function rejecter(setting: string, raw: string): (why: string) => never {
  return (why: string) => {
    const message = setting.startsWith('--') ? `bad ${setting} ${JSON.stringify(raw)}: ${why}` : `${setting}=${JSON.stringify(raw)}: ${why}`;
    throw new ConfigError(message, { setting, value: raw });
  };
}

const range = (o: Option, integer: boolean): string => {
  const what = integer ? 'an integer' : 'a number';
  const min = o.min ?? 0;
  if (o.max !== undefined) return `must be ${what} in [${min}, ${o.max}]`;
  return min === 0 ? `expected a non-negative ${integer ? 'integer' : 'number'}` : `expected ${what} >= ${min}`;
};

/** One raw value of option `o`, given as `setting` (its variable or --flag). */
export function parseOption(o: Option, raw: string, setting: string): unknown {
  const bad = rejecter(setting, raw);
  if (o.parse) return o.parse(raw, bad);
  switch (o.kind) {
    case 'str':
      return raw;
    case 'custom':
      throw new TypeError(`option ${o.key}: kind 'custom' needs parse()`);
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return bad('expected true/false');
    case 'list': {
      const xs = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (xs.length === 0) bad('expected a non-empty comma-separated list');
      return xs;
    }
    case 'brokers':
      return parseBrokers(raw, setting);
    case 'port':
      if (/^(off|none|disabled)$/i.test(raw)) return null;
      if (!/^\d+$/.test(raw)) bad('expected a non-negative integer');
      if (Number(raw) > 65535) bad('port must be 0..65535');
      return Number(raw);
    case 'int': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < (o.min ?? 0) || (o.max !== undefined && n > o.max)) bad(range(o, true));
      return n;
    }
    case 'num': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n < (o.min ?? 0) || (o.max !== undefined && n > o.max)) bad(range(o, false));
      return n;
    }
  }
}

export interface ParsedArgs<K extends string> {
  /** Values given as flags, by key (only those given). */
  values: Partial<Record<K, unknown>>;
  /** Arguments that are not flags (only when allowed). */
  positionals: string[];
  /** --help or -h was among the arguments. */
  help: boolean;
}

export interface ParseArgsOptions {
  /** Arguments that do not start with -- are collected instead of refused. */
  positionals?: boolean;
  /** A flag given twice is an error (default: the last one wins). */
  once?: boolean;
  /** Appended to "unknown flag --x" (e.g. the allowed flags). */
  unknownHint?: string;
}

/** `--flag value`, `--flag=value`, bare `--bool-flag`; --help / -h set `help`. Unknown flags are errors. */
export function parseArgs<K extends string>(table: OptionTable<K>, argv: readonly string[], po: ParseArgsOptions = {}): ParsedArgs<K> {
  const out: ParsedArgs<K> = { values: {}, positionals: [], help: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (!a.startsWith('--') || a === '--') {
      if (po.positionals && !a.startsWith('-')) {
        out.positionals.push(a);
        continue;
      }
      throw new ConfigError(`unexpected argument ${JSON.stringify(a)} (flags look like --name value)`, { value: a });
    }
    const eq = a.indexOf('=');
    const flag = a.slice(2, eq < 0 ? undefined : eq);
    const o = table.find((x) => x.flag === flag);
    if (!o) throw new ConfigError(`unknown flag --${flag}${po.unknownHint ? ` ${po.unknownHint}` : ''}`, { setting: `--${flag}` });
    if (po.once && seen.has(flag)) throw new ConfigError(`--${flag} given twice`, { setting: `--${flag}` });
    seen.add(flag);
    let v: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (v === undefined) {
      const next = argv[i + 1];
      const nextIsFlag = next !== undefined && next.startsWith('--') && next.length > 2;
      if (o.kind === 'bool' && (next === undefined || nextIsFlag || !/^(1|true|yes|on|0|false|no|off)$/i.test(next))) v = 'true';
      else if (next === undefined || nextIsFlag) throw new ConfigError(`--${flag} needs a value`, { setting: `--${flag}` });
      else v = argv[++i];
    }
    out.values[o.key] = parseOption(o, v!, `--${flag}`);
  }
  return out;
}

/** Values of the options set in `env` (empty strings count as unset), by key. */
export function readEnv<K extends string>(table: OptionTable<K>, env: NodeJS.ProcessEnv): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const o of table) {
    if (!o.env) continue;
    const v = env[o.env];
    if (v !== undefined && v !== '') out[o.key] = parseOption(o, v, o.env);
  }
  return out;
}

/**
 * Defaults, then the environment, then flags: the object a program runs with (cross-field rules are the
 * program's own). `argv` holds flags only; --help is refused here: ask parseArgs / wantsHelp first.
 */
export function loadOptions<T extends object>(table: OptionTable<keyof T & string>, defaults: T, env: NodeJS.ProcessEnv = {}, argv: readonly string[] = []): T {
  const out = { ...defaults } as Record<string, unknown>;
  Object.assign(out, readEnv(table, env));
  const args = parseArgs(table, argv);
  if (args.help) throw new ConfigError('--help: print the usage instead of loading options (wantsHelp(argv))', { setting: '--help' });
  Object.assign(out, args.values);
  return out as T;
}

/** The arguments ask for help. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.some((a) => a === '--help' || a === '-h');
