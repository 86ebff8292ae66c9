// Per-data-set summary lines of an evaluation (what the README and the model card quote).
import type { RecordingFigures } from './report.js';
import { yawDeg } from './report.js';
import { formatManoeuvres, type ManoeuvreFigures } from './manoeuvres.js';
import { formatRanking, ranking } from './ranking.js';

function sumManoeuvres(rows: RecordingFigures[]): ManoeuvreFigures {
  const out: ManoeuvreFigures = { byKind: {}, outside: 0 };
  for (const r of rows) {
    out.outside += r.manoeuvres!.outside;
    for (const [k, v] of Object.entries(r.manoeuvres!.byKind) as [
      keyof ManoeuvreFigures['byKind'],
      NonNullable<ManoeuvreFigures['byKind'][keyof ManoeuvreFigures['byKind']]>,
    ][]) {
      const t = (out.byKind[k] ??= { labelled: 0, right: 0, wrong: 0, missed: 0 });
      t.labelled += v.labelled;
      t.right += v.right;
      t.wrong += v.wrong;
      t.missed += v.missed;
    }
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

export function summarise(rows: RecordingFigures[]): string {
  const sets = [...new Set(rows.map((r) => r.set))];
  const out: string[] = [];
  for (const set of sets) {
    const labelled = rows.filter((r) => r.set === set && r.manoeuvres);
    if (labelled.length > 0) out.push(`${set}: labelled manoeuvres over ${labelled.length} recordings: ${formatManoeuvres(sumManoeuvres(labelled))}`);
    const tripless = rows.filter((r) => r.set === set && r.trips === 0 && r.tripless > 0);
    if (tripless.length > 0) {
      const n = (k: 'braking' | 'acceleration' | 'cornering') => tripless.reduce((s, r) => s + r.events[k], 0);
      out.push(
        `${set}: ${tripless.length} recordings without trips (no GPS): harsh braking ${n('braking')}, acceleration ${n('acceleration')}, cornering ${n('cornering')}`,
      );
    }
    const rank = ranking(rows.filter((r) => r.set === set));
    if (rank) out.push(formatRanking(set, rank));
    const rs = rows.filter((r) => r.set === set && r.trips > 0);
    if (rs.length === 0) continue;
    const km = rs.reduce((s, r) => s + r.km, 0);
    const ev = (k: 'braking' | 'acceleration' | 'cornering') => rs.reduce((s, r) => s + r.events[k], 0);
    const scores = rs.map((r) => r.score).filter((x): x is number => x !== null);
    const yaws = rs.map((r) => (r.orientation?.confident ? yawDeg(r.orientation.forward, r.orientation.up) : null)).filter((x): x is number => x !== null);
    const conv = rs.map((r) => r.orientation?.convergedAfterS).filter((x): x is number => typeof x === 'number');
    const posted = rs.reduce((s, r) => s + r.speedingPostedS, 0);
    const limitS = rs.reduce((s, r) => s + r.postedLimitS, 0);
    const pu = rs.filter((r) => r.phoneUse).map((r) => r.phoneUse!);
    const tS = pu.reduce((s, x) => s + x.truthS, 0);
    const pS = pu.reduce((s, x) => s + x.predictedS, 0);
    const tp = pu.reduce((s, x) => s + x.truePositiveS, 0);
    out.push(
      `${set}: ${rs.length} recordings with trips, ${km.toFixed(1)} km; harsh per 100 km: braking ${f1((ev('braking') / km) * 100)}, ` +
        `acceleration ${f1((ev('acceleration') / km) * 100)}, cornering ${f1((ev('cornering') / km) * 100)}; max peak ${Math.max(0, ...rs.map((r) => r.maxPeakMg))} mg; ` +
        `score mean ${f1(mean(scores))} (min ${f1(Math.min(...scores))}); ` +
        (limitS > 0 ? `speeding ${posted} s of ${limitS} s with a posted limit; ` : '') +
        (pu.length
          ? `phone use while moving: ${tS} s labelled, ${pS} s counted, recall ${f1((100 * tp) / (tS || 1))} %, precision ${f1((100 * tp) / (pS || 1))} %; `
          : '') +
        (yaws.length
          ? `mount yaw ${yaws.join(', ')} deg (${yaws.length}/${rs.filter((r) => r.orientation).length} confident), converged after median ${f1(conv.sort((a, b) => a - b)[Math.floor(conv.length / 2)] ?? NaN)} s`
          : 'no confident mount estimate'),
    );
  }
  return out.join('\n');
}
