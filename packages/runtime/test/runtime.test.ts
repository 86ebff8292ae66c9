import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  FleetwireError,
  loadOptions,
  parseArgs,
  parseBrokers,
  Registry,
  renderHelp,
  renderOptionsMarkdown,
  wantsHelp,
  type OptionTable,
} from '../src/index.js';

describe('errors', () => {
  it('carry a stable code, retriable and cause', () => {
    const cause = new Error('socket hang up');
    const e = new FleetwireError('sink_timeout', 'no ack', { retriable: true, cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.retriable, e.cause, e.name]).toEqual(['sink_timeout', true, cause, 'FleetwireError']);
    const c = new ConfigError('FW_X="y": bad', { setting: 'FW_X', value: 'y' });
    expect(c).toBeInstanceOf(FleetwireError);
    expect([c.code, c.retriable, c.setting, c.value, c.name]).toEqual(['config_invalid', false, 'FW_X', 'y', 'ConfigError']);
  });
});

describe('metrics registry', () => {
  it('counts with prom-client argument order: inc(by) and inc(labels, by)', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'x');
    c.inc();
    c.inc(4);
    c.inc({ reason: 'a' });
    c.inc({ reason: 'a' }, 2);
    expect([c.get(), c.get({ reason: 'a' })]).toEqual([5, 3]);
    const bound = c.bind({ reason: 'b' });
    bound.inc();
    bound.inc(2);
    expect(c.get({ reason: 'b' })).toBe(3);
  });
  it('one series per label set whatever the key order; printed in the order first given; values escaped', () => {
    const r = new Registry();
    const g = r.gauge('lag', 'lag');
    g.set(7, { topic: 't', partition: '0' });
    g.inc({ partition: '0', topic: 't' }, 1);
    g.set(1, { topic: 'q"\\\nx', partition: '1' });
    expect(g.get({ partition: '0', topic: 't' })).toBe(8);
    const text = r.render();
    expect(text).toContain('lag{topic="t",partition="0"} 8');
    expect(text).toContain('lag{topic="q\\"\\\\\\nx",partition="1"} 1');
    g.dec({ topic: 't', partition: '0' }, 3);
    g.dec(2);
    expect([g.get({ topic: 't', partition: '0' }), g.get()]).toEqual([5, -2]);
  });
  it('histograms report count and sum (no ambiguous total)', () => {
    const r = new Registry();
    const h = r.histogram('lat_seconds', 'latency');
    h.observe(0.003);
    h.observe(2);
    expect([h.count, h.sum]).toEqual([2, 2.003]);
    const text = r.render();
    expect(text).toContain('lat_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('lat_seconds_count 2');
    expect(text).toContain('# TYPE lat_seconds histogram');
  });
  it('refuses bad and duplicate names', () => {
    const r = new Registry();
    r.counter('a', 'a');
    expect(() => r.gauge('a', 'again')).toThrow(/registered twice/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/bad metric name/);
  });
});

describe('Kafka broker lists', () => {
  it('accepts names, IPv4 and bracketed IPv6 with a port', () => {
    expect(parseBrokers(' 127.0.0.1:9092, kafka-1.internal:9093 ,[::1]:9094,')).toEqual(['127.0.0.1:9092', 'kafka-1.internal:9093', '[::1]:9094']);
    expect(parseBrokers('')).toEqual([]);
  });
  it.each(['nohost', 'host:', ':9092', 'host:0', 'host:70000', '::1:9092', '[zz]:9092', 'a b:1', 'host:12ab'])(
    'refuses %j naming the variable and the entry',
    (b) => {
      expect(() => parseBrokers(b)).toThrow(ConfigError);
      expect(() => parseBrokers(b)).toThrow(`FW_KAFKA_BROKERS: ${JSON.stringify(b)} must be host:port`);
    },
  );
});

describe('option tables', () => {
  interface Cfg {
    port: number | null;
    brokers: string[];
    verbose: boolean;
    ratio: number;
    name: string;
    level: 'low' | 'high';
  }
  const defaults: Cfg = { port: 1883, brokers: [], verbose: false, ratio: 1, name: 'n', level: 'low' };
  const table: OptionTable<keyof Cfg> = [
    { key: 'port', env: 'FW_PORT', flag: 'port', kind: 'port', help: 'listen port' },
    { key: 'brokers', env: 'FW_KAFKA_BROKERS', flag: 'kafka-brokers', kind: 'brokers', help: 'Kafka' },
    { key: 'verbose', env: 'FW_VERBOSE', flag: 'verbose', kind: 'bool', help: 'talk' },
    { key: 'ratio', env: 'FW_RATIO', flag: 'ratio', kind: 'num', min: 0.1, help: 'ratio' },
    { key: 'name', flag: 'name', kind: 'str', help: 'a name' },
    {
      key: 'level',
      env: 'FW_LEVEL',
      kind: 'custom',
      help: 'low or high',
      parse: (raw, reject) => (raw === 'low' || raw === 'high' ? raw : reject('expected low or high')),
    },
  ];
  it('reads defaults, then env, then flags', () => {
    const c = loadOptions(table, defaults, { FW_PORT: '1999', FW_KAFKA_BROKERS: '[::1]:9092', FW_RATIO: '', FW_LEVEL: 'high' }, [
      '--port=off',
      '--verbose',
      '--name',
      'x',
    ]);
    expect(c).toEqual({ port: null, brokers: ['[::1]:9092'], verbose: true, ratio: 1, name: 'x', level: 'high' });
    expect(loadOptions(table, defaults, {}, ['--verbose', 'false']).verbose).toBe(false);
    expect(defaults.port).toBe(1883);
  });
  it.each([
    [{ FW_PORT: 'abc' }, [], 'FW_PORT="abc": expected a non-negative integer'],
    [{ FW_PORT: '70000' }, [], 'FW_PORT="70000": port must be 0..65535'],
    [{ FW_RATIO: '0.01' }, [], 'FW_RATIO="0.01": expected a number >= 0.1'],
    [{ FW_VERBOSE: 'maybe' }, [], 'FW_VERBOSE="maybe": expected true/false'],
    [{ FW_LEVEL: 'mid' }, [], 'FW_LEVEL="mid": expected low or high'],
    [{}, ['--ratio', 'lots'], 'bad --ratio "lots": expected a number >= 0.1'],
    [{}, ['--bogus', '1'], 'unknown flag --bogus'],
    [{}, ['--port'], '--port needs a value'],
    [{}, ['--port', '--verbose'], '--port needs a value'],
    [{}, ['stray'], 'unexpected argument "stray"'],
    [{}, ['--help'], '--help'],
  ] as const)('refuses %j %j naming the setting and the value', (env, argv, msg) => {
    expect(() => loadOptions(table, defaults, env, argv)).toThrow(ConfigError);
    expect(() => loadOptions(table, defaults, env, argv)).toThrow(msg);
  });
  it('parses flags with positionals, help, and flags given once', () => {
    const a = parseArgs(table, ['list', '--name', 'x', '-h'], { positionals: true });
    expect(a).toEqual({ values: { name: 'x' }, positionals: ['list'], help: true });
    expect(() => parseArgs(table, ['--name', 'a', '--name', 'b'], { once: true })).toThrow('--name given twice');
    expect(parseArgs(table, ['--name', 'a', '--name', 'b']).values.name).toBe('b');
    expect(wantsHelp(['x', '--help'])).toBe(true);
    expect(wantsHelp(['x'])).toBe(false);
  });
  it('renders --help and the README table from the same table', () => {
    const help = renderHelp({ usage: 'usage: prog serve [options]', table, defaults, footer: 'exit codes: 0 ok' });
    expect(help.startsWith('usage: prog serve [options]\n')).toBe(true);
    expect(help).toMatch(/--port PORT, FW_PORT\s+listen port \(default 1883\)/);
    expect(help).toMatch(/--verbose, FW_VERBOSE\s+talk \(default false\)/);
    expect(help).toMatch(/ FW_LEVEL\s+low or high \(default low\)/);
    expect(help.trimEnd().endsWith('exit codes: 0 ok')).toBe(true);
    const md = renderOptionsMarkdown(table, defaults);
    expect(md.split('\n')[0]).toBe('| variable | flag | default | meaning |');
    expect(md).toContain('| `FW_PORT` | `--port PORT` | `1883` | listen port |');
    expect(md).toContain('| `FW_LEVEL` |  | `low` | low or high |');
    expect(md).toContain('| `FW_RATIO` | `--ratio X` | `1` | ratio, >= 0.1 |');
    expect(help).toMatch(/--ratio X, FW_RATIO\s+ratio, >= 0.1 \(default 1\)/);
    const flagsOnly = renderOptionsMarkdown([{ key: 'n', flag: 'n', kind: 'int', min: 1, max: 9, help: 'count' }], { n: 2 });
    expect(flagsOnly).toBe('| flag | default | meaning |\n| --- | --- | --- |\n| `--n N` | `2` | count, 1..9 |\n');
  });
});
