#!/usr/bin/env node
/** fleetwire-sim command line: run | export | help (flags: cli-args.ts option tables). */
import { writeFile } from 'node:fs/promises';
import { ConfigError } from '@fleetwire/runtime';
import { parseCli, USAGE, type ExportArgs, type RunArgs } from './cli-args.js';
import { runFleet } from './runner.js';
import { runFleetInWorkers } from './fleet-workers.js';
import { fleetOptionsFromArgs } from './run-options.js';
import { formatSummary, progressLine, type FleetProgress, type FleetSummary } from './summary.js';
import { exportDrive } from './export.js';

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv, process.env);
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'export':
      return doExport(args);
    case 'run':
      return doRun(args);
  }
}

async function doExport(a: ExportArgs): Promise<number> {
  const text = exportDrive(a);
  if (a.out) await writeFile(a.out, text);
  else process.stdout.write(text);
  return 0;
}

async function doRun(a: RunArgs): Promise<number> {
  // Built here even with --workers (each thread builds its own): bad --replay/--ca files fail as usage errors.
  const options = await fleetOptionsFromArgs(a);
  const summary = await withProgress(a.durationMs, a.json, (onProgress, signal) =>
    a.workers > 1 ? runFleetInWorkers(a, { workers: a.workers, onProgress, signal }) : runFleet({ ...options, onProgress, signal }),
  );
  if (a.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else process.stdout.write(formatSummary(summary) + '\n');
  return summary.complete ? 0 : 2;
}

async function withProgress(
  totalMs: number,
  quiet: boolean,
  run: (onProgress: (p: FleetProgress) => void, signal: AbortSignal) => Promise<FleetSummary>,
): Promise<FleetSummary> {
  const ac = new AbortController();
  const onSig = () => {
    process.stderr.write('\nstopping (again to force)...\n');
    ac.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const tty = process.stderr.isTTY && !quiet;
  let lastLog = 0;
  const onProgress = (p: FleetProgress) => {
    if (quiet) return;
    const line = progressLine(p, totalMs);
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (p.elapsedMs - lastLog >= 10_000) {
      lastLog = p.elapsedMs;
      process.stderr.write(line + '\n');
    }
  };
  try {
    return await run(onProgress, ac.signal);
  } finally {
    if (tty) process.stderr.write('\n');
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    const usage = e instanceof ConfigError;
    process.stderr.write(`fleetwire-sim: ${e.message}\n${usage ? 'run "fleetwire-sim help" for usage\n' : ''}`);
    process.exitCode = usage ? 64 : 1;
  },
);
