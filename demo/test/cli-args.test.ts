// The demo's flags (moved from firmware-sim/test/cli-args.test.ts with the demo; `fleetwire-sim demo X` is
// now `fleetwire-demo X`, so the calls drop the leading 'demo').
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fleetwire/runtime';
import { parseDemoArgs, USAGE } from '../src/cli-args.js';

describe('fleetwire-demo flags', () => {
  it('knows the demo', () => {
    expect(parseDemoArgs(['--devices', '5'])).toMatchObject({ command: 'demo', devices: 5 });
    expect(parseDemoArgs([])).toMatchObject({ command: 'demo', devices: 12, speedup: 240, durationMs: 2_400_000, report: 'fleetwire-report.html' });
    expect(parseDemoArgs(['--report', '/tmp/r.html', '--seed', 's1'])).toMatchObject({ report: '/tmp/r.html', seed: 's1' });
    expect(() => parseDemoArgs(['--devices', '0'])).toThrow(/--devices/);
    expect(() => parseDemoArgs(['--colour', 'red'])).toThrow(/unknown flag --colour/);
  });
  it('answers --help from its option table and names the bad value', () => {
    expect(parseDemoArgs(['--help'])).toEqual({ command: 'help' });
    expect(USAGE).toMatch(/--devices N\s+number of simulated devices, 1..2000 \(default 12\)/);
    expect(USAGE).toMatch(/--duration D\s+simulated driving per device: 90s, 30m, 2h \(default 40m\)/);
    expect(() => parseDemoArgs(['--speedup', 'fast'])).toThrow(ConfigError);
    expect(() => parseDemoArgs(['--duration', 'soon'])).toThrow('bad --duration "soon": use a duration like 90s');
    expect(parseDemoArgs(['--speedup', 'max'])).toMatchObject({ speedup: Infinity });
  });
});
