// The HTML report written when the demo ends: score distribution, per-driver trip map, events.
// Self-contained (inline SVG, no scripts, no network).
import type { DriverRow, EventCount, TripPoint } from './summary.js';

export interface ReportData {
  title: string;
  generatedAt: string;
  mode: string;
  facts: Array<[string, string]>;
  drivers: DriverRow[];
  trips: TripPoint[];
  events: EventCount[];
  scores: number[];
  /** GPS paths per driver (lat, lon), when the backend keeps them (embedded log); else trips are drawn start -> end. */
  paths?: Map<string, Array<[number, number]>>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function histogram(values: readonly number[], bins = 10, min = 0, max = 100): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(((v - min) / (max - min)) * bins)));
    out[i]!++;
  }
  return out;
}

function barChart(labels: readonly string[], values: readonly number[], title: string): string {
  const W = 560;
  const H = 220;
  const pad = 30;
  const max = Math.max(1, ...values);
  const bw = (W - 2 * pad) / Math.max(1, values.length);
  const bars = values
    .map((v, i) => {
      const h = ((H - 2 * pad) * v) / max;
      const x = pad + i * bw;
      return (
        `<rect x="${x + 2}" y="${H - pad - h}" width="${bw - 4}" height="${h}" fill="#3b82f6"><title>${esc(labels[i]!)}: ${v}</title></rect>` +
        `<text x="${x + bw / 2}" y="${H - pad + 14}" font-size="10" text-anchor="middle">${esc(labels[i]!)}</text>` +
        `<text x="${x + bw / 2}" y="${H - pad - h - 3}" font-size="10" text-anchor="middle">${v}</text>`
      );
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/></svg></figure>`;
}

const PALETTE = ['#ef4444', '#f59e0b', '#10b981', '#3b82f6', '#8b5cf6', '#ec4899', '#14b8a6', '#84cc16', '#f97316', '#6366f1'];

function tripMap(trips: readonly TripPoint[], paths?: Map<string, Array<[number, number]>>): string {
  const W = 720;
  const H = 440;
  const mapW = W - 170;
  if (trips.length === 0 && !paths?.size) return '<p>No completed trips.</p>';
  const pts: Array<[number, number]> = paths?.size
    ? [...paths.values()].flat()
    : trips.flatMap((t) => [[t.startLat, t.startLon] as [number, number], [t.endLat, t.endLon] as [number, number]]);
  let [la0, la1, lo0, lo1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [la, lo] of pts) {
    la0 = Math.min(la0, la);
    la1 = Math.max(la1, la);
    lo0 = Math.min(lo0, lo);
    lo1 = Math.max(lo1, lo);
  }
  const sx = (lon: number) => 20 + ((lon - lo0) / Math.max(1e-9, lo1 - lo0)) * (mapW - 40);
  const sy = (lat: number) => H - 20 - ((lat - la0) / Math.max(1e-9, la1 - la0)) * (H - 40);
  const drivers = [...new Set([...trips.map((t) => t.driverId), ...(paths?.keys() ?? [])])].sort();
  const color = (d: string) => PALETTE[drivers.indexOf(d) % PALETTE.length]!;
  const shapes = paths?.size
    ? [...paths.entries()]
        .map(
          ([d, p]) =>
            `<polyline fill="none" stroke="${color(d)}" stroke-width="1.5" stroke-opacity="0.8" points="${p.map(([la, lo]) => `${sx(lo).toFixed(1)},${sy(la).toFixed(1)}`).join(' ')}"><title>${esc(d)}</title></polyline>`,
        )
        .join('')
    : trips
        .map(
          (t) =>
            `<line x1="${sx(t.startLon).toFixed(1)}" y1="${sy(t.startLat).toFixed(1)}" x2="${sx(t.endLon).toFixed(1)}" y2="${sy(t.endLat).toFixed(1)}" stroke="${color(t.driverId)}" stroke-width="2" marker-end="url(#a)"><title>${esc(t.driverId)} score ${t.score?.toFixed(1) ?? '-'}</title></line>`,
        )
        .join('');
  const legend = drivers
    .slice(0, 28)
    .map((d, i) => `<text x="${mapW + 10}" y="${16 + i * 14}" font-size="11" fill="${color(d)}">■ ${esc(d)}</text>`)
    .join('');
  const caption = paths?.size ? 'Driven paths per driver (GPS)' : 'Trips per driver (start → end)';
  return `<figure><figcaption>${caption}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><rect width="${mapW}" height="${H}" fill="#f8fafc"/><defs><marker id="a" markerWidth="6" markerHeight="6" refX="5" refY="3" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#334155"/></marker></defs>${shapes}${legend}</svg></figure>`;
}

export function renderReport(d: ReportData): string {
  const bins = histogram(d.scores);
  const labels = bins.map((_, i) => `${i * 10}-${i * 10 + 10}`);
  const rows = d.drivers
    .map(
      (r) =>
        `<tr><td>${esc(r.driverId)}</td><td>${r.trips}</td><td>${r.distanceKm.toFixed(1)}</td><td>${r.harshBraking}</td><td>${r.harshAcceleration}</td><td>${r.harshCornering}</td><td>${r.speedingS.toFixed(0)}</td><td>${r.lastScore?.toFixed(1) ?? '-'}</td><td>${r.meanScore?.toFixed(1) ?? '-'}</td></tr>`,
    )
    .join('');
  const facts = d.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#0f172a}table{border-collapse:collapse}td,th{border:1px solid #cbd5e1;padding:3px 8px;text-align:right}th{background:#f1f5f9}td:first-child{text-align:left}figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}figcaption{font-weight:600;margin-bottom:4px}</style>
</head><body><h1>${esc(d.title)}</h1><p>${esc(d.generatedAt)} — backend: ${esc(d.mode)}</p>
<table>${facts}</table>
<h2>Charts</h2>
${barChart(labels, bins, 'Trip score distribution (100 = safest, 0 = riskiest)')}
${barChart(
  d.events.map((e) => e.type.replace('EVENT_TYPE_', '').toLowerCase()),
  d.events.map((e) => e.count),
  'Safety events detected by the backend',
)}
${tripMap(d.trips, d.paths)}
<h2>Drivers</h2>
<table><tr><th>driver</th><th>trips</th><th>km</th><th>harsh brake</th><th>harsh accel</th><th>harsh corner</th><th>speeding s</th><th>last score</th><th>mean score</th></tr>${rows}</table>
</body></html>`;
}
