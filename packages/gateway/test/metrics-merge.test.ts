import { describe, expect, it } from 'vitest';
import { mergeWorkerMetrics, withLabel } from '../src/core/metrics-merge.js';

const w1 = `# HELP fw_c Connections
# TYPE fw_c gauge
fw_c 3
# HELP fw_m Messages
# TYPE fw_m counter
fw_m{outcome="accepted"} 10
# HELP fw_h Latency
# TYPE fw_h histogram
fw_h_bucket{le="0.1"} 1
fw_h_bucket{le="+Inf"} 2
fw_h_sum 0.3
fw_h_count 2`;
const w2 = w1.replace('fw_c 3', 'fw_c 5').replace('} 10', '} 7');

describe('mergeWorkerMetrics', () => {
  it('labels every sample with its worker and keeps each family (one HELP/TYPE) together', () => {
    const out = mergeWorkerMetrics([
      { worker: '1', text: w1 },
      { worker: '2', text: w2 },
    ]);
    const lines = out.trim().split('\n');
    expect(lines.filter((l) => l === '# TYPE fw_c gauge')).toHaveLength(1);
    expect(lines.slice(0, 4)).toEqual(['# HELP fw_c Connections', '# TYPE fw_c gauge', 'fw_c{worker="1"} 3', 'fw_c{worker="2"} 5']);
    expect(lines).toContain('fw_m{worker="2",outcome="accepted"} 7');
    // Histogram parts stay in their family, after its TYPE line.
    const h = lines.indexOf('# TYPE fw_h histogram');
    expect(lines.slice(h + 1)).toEqual([
      'fw_h_bucket{worker="1",le="0.1"} 1',
      'fw_h_bucket{worker="1",le="+Inf"} 2',
      'fw_h_sum{worker="1"} 0.3',
      'fw_h_count{worker="1"} 2',
      'fw_h_bucket{worker="2",le="0.1"} 1',
      'fw_h_bucket{worker="2",le="+Inf"} 2',
      'fw_h_sum{worker="2"} 0.3',
      'fw_h_count{worker="2"} 2',
    ]);
  });

  it('a worker that sent nothing adds nothing; odd label values are escaped', () => {
    expect(mergeWorkerMetrics([{ worker: '1', text: '' }])).toBe('\n');
    expect(withLabel('x 1', 'worker', 'a"b')).toBe('x{worker="a_b"} 1');
  });
});
