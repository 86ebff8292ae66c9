import { describe, expect, it } from 'vitest';
import { histogram, renderReport } from '../src/report.js';
import { renderTable, type DriverRow } from '../src/summary.js';

const driver = (id: string, score: number | null): DriverRow => ({
  tenant: 'demo',
  driverId: id,
  trips: 2,
  distanceKm: 12.3,
  harshBraking: 1,
  harshAcceleration: 0,
  harshCornering: 2,
  speedingS: 30,
  lastScore: score,
  meanScore: score,
});

describe('demo report', () => {
  it('bins scores into ten buckets, clamping the ends', () => {
    expect(histogram([0, 5, 10, 99.9, 100, 150, -3])).toEqual([3, 1, 0, 0, 0, 0, 0, 0, 0, 3]);
  });

  it('draws GPS paths when given, start->end lines otherwise, and escapes names', () => {
    const base = {
      title: '<t>',
      generatedAt: 'x',
      mode: 'embedded',
      facts: [['k', 'v']] as Array<[string, string]>,
      drivers: [driver('d<1>', 80)],
      events: [{ type: 'harsh_braking', count: 3 }],
      scores: [80, 90],
    };
    const trips = [{ driverId: 'd<1>', startLat: 52.5, startLon: 13.4, endLat: 52.51, endLon: 13.41, score: 80 }];
    const withLines = renderReport({ ...base, trips });
    expect(withLines).toContain('<line');
    expect(withLines).toContain('d&#60;1&#62;');
    expect(withLines).not.toContain('<t>');
    const withPaths = renderReport({
      ...base,
      trips,
      paths: new Map([
        [
          'd<1>',
          [
            [52.5, 13.4],
            [52.505, 13.405],
            [52.51, 13.41],
          ],
        ],
      ]),
    });
    expect(withPaths).toContain('<polyline');
    expect(withPaths).toContain('Driven paths');
  });

  it('renders a fixed-width live table with a row cap', () => {
    const rows = Array.from({ length: 25 }, (_, i) => driver(`sim-${i}`, i % 2 ? null : 75.55));
    const t = renderTable(rows, 'hdr', 20).split('\n');
    expect(t[0]).toBe('hdr');
    expect(t).toHaveLength(1 + 1 + 20 + 1);
    expect(t[2]).toContain('75.5');
    expect(t.at(-1)).toContain('5 more drivers');
  });
});
