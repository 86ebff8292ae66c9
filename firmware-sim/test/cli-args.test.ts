import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fleetwire/runtime';
import { parseCli } from '../src/cli-args.js';

const run = (...a: string[]) => parseCli(['run', ...a]);
const err = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('fleetwire-sim flags', () => {
  it('parses a full run command', () => {
    const a = run(
      '--devices',
      '1000',
      '--speedup',
      '60',
      '--duration',
      '2h',
      '--gateway',
      'mqtt://127.0.0.1:1883',
      '--tenant',
      'demo',
      '--data-dir',
      '/tmp/x',
      '--token-secret',
      'a-secret-of-16-chars!',
      '--churn',
      '0.1',
      '--offline',
      '30s',
      '--profiles',
      'calm:1,aggressive:1',
    );
    expect(a).toMatchObject({
      command: 'run',
      devices: 1000,
      speedup: 60,
      durationMs: 7_200_000,
      gateway: 'mqtt://127.0.0.1:1883',
      tenant: 'demo',
      dataDir: '/tmp/x',
      churn: 0.1,
      offlineMs: 30_000,
    });
    if (a.command !== 'run') throw new Error('not run');
    expect(a.profiles).toEqual([
      ['calm', 0.5],
      ['aggressive', 0.5],
    ]);
    expect(run('--speedup=max').command === 'run' && (run('--speedup=max') as { speedup: number }).speedup).toBe(Infinity);
  });

  it('takes defaults and env', () => {
    const a = parseCli(['run'], { FW_GATEWAY_URL: 'ws://gw:8080/mqtt', FW_GATEWAY_TOKEN_SECRET: 'from-env-secret-0123,old-secret-xxxxxxxx' });
    expect(a).toMatchObject({
      devices: 10,
      speedup: 60,
      durationMs: 3_600_000,
      gateway: 'ws://gw:8080/mqtt',
      tokenSecret: 'from-env-secret-0123',
      churn: 0,
      offlineMs: 0,
    });
  });

  it('rejects bad values with a message naming the flag and value', () => {
    expect(err(() => run('--devices', 'ten'))).toMatch(/bad --devices "ten"/);
    expect(err(() => run('--devices', '0'))).toMatch(/bad --devices "0"/);
    expect(err(() => run('--devices', '2.5'))).toMatch(/bad --devices/);
    expect(err(() => run('--duration', '2 hours'))).toMatch(/bad --duration "2 hours": use a duration like 90s, 30m, 2h/);
    expect(err(() => run('--duration', '0s'))).toMatch(/bad --duration "0s": must be > 0/);
    expect(err(() => run('--offline', 'soon'))).toMatch(/bad --offline/);
    expect(err(() => run('--gateway', 'http://x:1883'))).toMatch(/bad --gateway: .*scheme must be mqtt, mqtts, ws or wss/);
    expect(err(() => run('--gateway', 'not a url'))).toMatch(/bad --gateway/);
    expect(err(() => run('--speedup', '-1'))).toMatch(/bad --speedup/);
    expect(err(() => run('--churn', 'lots'))).toMatch(/bad --churn/);
    expect(err(() => run('--tenant', 'a/b'))).toMatch(/bad --tenant/);
    expect(err(() => run('--tenant', 'a,,b'))).toMatch(/bad --tenant ""/);
    expect(err(() => run('--tenant', 'a,a'))).toMatch(/names a tenant twice/);
    expect(run('--tenant', 'acme,globex')).toMatchObject({ tenant: 'acme', tenants: ['acme', 'globex'] });
    expect(run('--tenant', 'acme')).not.toHaveProperty('tenants', expect.anything());
    expect(err(() => run('--profiles', 'reckless:1'))).toMatch(/unknown driver profile "reckless"/);
    expect(err(() => run('--token-secret', 'short'))).toMatch(/at least 16/);
    expect(err(() => run('--token-secret', 'a-secret-of-16-chars!', '--password', 'p'))).toMatch(/either/);
    expect(err(() => run('--devices'))).toMatch(/--devices needs a value/);
    expect(err(() => run('--frobnicate', '1'))).toMatch(/unknown flag --frobnicate/);
    expect(err(() => run('--devices', '1', '--devices', '2'))).toMatch(/given twice/);
    expect(err(() => run('stray'))).toMatch(/unexpected argument "stray"/);
    expect(err(() => parseCli(['fly']))).toMatch(/unknown command "fly"/);
    expect(err(() => parseCli(['export', '--format', 'kml']))).toMatch(/bad --format/);
    expect(err(() => parseCli(['export', '--format', 'gpx', '--accel']))).toMatch(/--accel needs --format csv/);
    expect(err(() => run('--centre', '100,13'))).toMatch(/bad --centre/);
  });

  it('knows help and export', () => {
    expect(parseCli([])).toEqual({ command: 'help' });
    expect(parseCli(['run', '--help'])).toEqual({ command: 'help' });
    expect(parseCli(['export', '--format', 'csv', '--accel', '--duration', '1m'])).toMatchObject({
      command: 'export',
      format: 'csv',
      withAccel: true,
      durationMs: 60_000,
    });
  });
});
