#!/usr/bin/env node
/** fleetwire-demo (npm start): see run-demo.ts. */
import { ConfigError } from '@fleetwire/runtime';
import { parseDemoArgs, USAGE } from './cli-args.js';
import { runDemo } from './run-demo.js';

async function main(argv: string[]): Promise<number> {
  const a = parseDemoArgs(argv);
  if (a.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const trips = await runDemo({ devices: a.devices, speedup: a.speedup, durationMs: a.durationMs, reportPath: a.report, seed: a.seed, dataDir: a.dataDir });
  return trips > 0 ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    const usage = e instanceof ConfigError;
    process.stderr.write(`fleetwire-demo: ${e.message}\n${usage ? 'run "fleetwire-demo --help" for usage\n' : ''}`);
    process.exitCode = usage ? 64 : 1;
  },
);
