// npm run bench: runs every bench script (bench/dist/*.js but this one, lib*.js and *.worker.js), collects their
// `BENCH {json}` lines and prints one table of figures beside baselines measured in the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('lib') && !f.endsWith('.worker.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const figures: BenchFigure[] = [];
const failures: string[] = [];
for (const s of scripts) {
  process.stderr.write(`== ${s}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, s)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60_000 });
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line.startsWith('BENCH ')) figures.push(JSON.parse(line.slice(6)) as BenchFigure);
    else if (line.trim()) process.stderr.write(`   ${line}\n`);
  }
  if (r.status !== 0) failures.push(`${s}: exit ${r.status ?? r.signal}`);
}

const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const rows = figures.map((f) => {
  const ratio = f.baselineValue ? (f.lowerIsBetter ? f.baselineValue / f.value : f.value / f.baselineValue) : undefined;
  return { ...f, ratio };
});
const header = ['bench', 'metric', 'value', 'unit', 'baseline (same run)', 'baseline value', 'ratio'];
const table = [
  header,
  ...rows.map((r) => [r.bench, r.metric, fmt(r.value), r.unit, r.baseline ?? '', fmt(r.baselineValue), r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
console.log('(ratio > 1 means better than the baseline; for latencies it is baseline/value)');

const outDir = join(here, '..', 'results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const machine = { node: process.version, platform: process.platform, arch: process.arch, cpus: (await import('node:os')).cpus().length };
writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify({ at: new Date().toISOString(), machine, figures: rows, failures }, null, 2));
if (failures.length) {
  console.error(`failed: ${failures.join('; ')}`);
  process.exitCode = 1;
}
