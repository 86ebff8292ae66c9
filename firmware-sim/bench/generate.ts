// Simulator generation speed: synthetic drives (vehicle model + sensors, 25 Hz accel + 1 Hz GPS) for
// many devices, single core. Prints `BENCH {json}` lines like bench/lib.ts. Run:
//   npx vite-node firmware-sim/bench/generate.ts            (or build with tsup and run with node)
// Goal: 1000 devices × 1 h of 25 Hz accel must not be the bottleneck. At --speedup 60 a 1000-device
// fleet needs 1000 × 60 × 26 ≈ 1.56 M samples per real second.
import { generateCity, synthesizeDrive, PROFILES, PROFILE_NAMES } from '../src/core/index.js';

const report = (fig: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(fig)}\n`);
const devices = Number(process.env.FW_BENCH_DEVICES ?? 100);
const hourMs = 3_600_000;
const graph = generateCity();

// Warm-up so the JIT has compiled the hot paths.
for (const _ of synthesizeDrive({ graph, seed: 'warm', startMs: 0, durationMs: 600_000 }));

let samples = 0;
const t0 = performance.now();
for (let d = 0; d < devices; d++) {
  const profile = PROFILES[PROFILE_NAMES[d % PROFILE_NAMES.length]!];
  for (const chunk of synthesizeDrive({
    graph,
    profile,
    seed: `bench-${d}`,
    startMs: Date.UTC(2025, 0, 1),
    durationMs: hourMs,
    chunkMs: 60_000,
    vehicle: { parkMinS: 30, parkMaxS: 120 },
  })) {
    samples += chunk.samples.length;
  }
}
const sec = (performance.now() - t0) / 1000;
const perSec = samples / sec;
const needed = 1000 * 60 * 26;
report({
  bench: 'firmware-sim',
  metric: 'synthetic samples generated',
  unit: 'samples/s',
  value: perSec,
  baseline: '1000 devices at speedup 60',
  baselineValue: needed,
  note: `${devices} devices x 1 h, one core`,
});
report({
  bench: 'firmware-sim',
  metric: '1000 devices x 1 h (25 Hz) generation time',
  unit: 's',
  value: (sec * 1000) / devices,
  lowerIsBetter: true,
  baseline: 'real time at speedup 60',
  baselineValue: 60,
});
