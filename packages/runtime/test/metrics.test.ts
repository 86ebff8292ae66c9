// Moved from packages/gateway/test/core.test.ts with the registry they test.
import { describe, expect, it } from 'vitest';
import { Registry } from '../src/metrics.js';

describe('metrics (moved from the gateway)', () => {
  it('metrics render Prometheus text', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'xs');
    c.inc({ reason: 'a"b' });
    const h = r.histogram('lat_seconds', 'lat', [0.1, 1]);
    h.observe(0.5);
    const txt = r.render();
    expect(txt).toContain('# TYPE x_total counter');
    expect(txt).toContain('x_total{reason="a\\"b"} 1');
    expect(txt).toContain('lat_seconds_bucket{le="0.1"} 0');
    expect(txt).toContain('lat_seconds_bucket{le="1"} 1');
    expect(txt).toContain('lat_seconds_count 1');
  });
  it('a bound counter adds to the same series as inc() with those labels', () => {
    const c = new Registry().counter('m_total', 'ms');
    const accepted = c.bind({ outcome: 'accepted' });
    accepted.inc();
    accepted.inc(2);
    c.inc({ outcome: 'accepted' });
    c.inc({ outcome: 'rejected' });
    expect(c.get({ outcome: 'accepted' })).toBe(4);
    expect(c.get({ outcome: 'rejected' })).toBe(1);
    expect(c.lines()).toEqual(['m_total{outcome="accepted"} 4', 'm_total{outcome="rejected"} 1']);
  });
});
