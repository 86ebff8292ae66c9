// ONNX inference latency per micro-batch size (onnxruntime-node, 1 intra-op thread). Baseline in the
// same run: scoring the same rows one session.run per row (batch size 1), so the ratio is the gain
// of micro-batching per row.
import { FEATURES, loadModel } from '@fleetwire/scoring';
import { percentile, report } from './lib.js';

const model = await loadModel('1.0.0');
let seed = 1;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const row = () => FEATURES.map(() => rnd() * 50);

async function perRowMs(batch: number, runs: number): Promise<{ p50: number; perRow: number }> {
  const rows = Array.from({ length: batch }, row);
  for (let i = 0; i < 5; i++) await model.predict(rows);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await model.predict(rows);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  return { p50, perRow: p50 / batch };
}

try {
  const single = await perRowMs(1, 400);
  report({ bench: 'scoring-inference', metric: 'batch 1: ms per run (p50)', unit: 'ms', value: single.p50, lowerIsBetter: true });
  for (const size of [16, 256, 4096]) {
    const r = await perRowMs(size, size >= 4096 ? 40 : 200);
    report({ bench: 'scoring-inference', metric: `batch ${size}: ms per run (p50)`, unit: 'ms', value: r.p50, lowerIsBetter: true });
    report({
      bench: 'scoring-inference',
      metric: `batch ${size}: µs per row`,
      unit: 'µs',
      value: r.perRow * 1000,
      baseline: 'batch 1, µs per row',
      baselineValue: single.perRow * 1000,
      lowerIsBetter: true,
    });
  }
} finally {
  await model.close();
}
