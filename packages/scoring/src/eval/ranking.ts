// How well scores rank labelled driving: recordings labelled "normal ..." or "aggressive ..." (labels.csv, or
// UAH-DriveSet folder names; a second word is the road type). The ROC AUC of "normal scores above
// aggressive" over all pairs (ties count half), per road type too; for each driver and road with both labels,
// whether the aggressive trips' mean score is below the normal ones'; and the mean score of normal driving per
// road. Pure.
import type { RecordingFigures } from './report.js';

export interface RankingFigures {
  auc: number;
  pairs: number;
  aucByRoad: Record<string, { auc: number; pairs: number }>;
  /** Same driver and road, both labels present: aggressive mean below normal mean in `below` of `groups`. */
  sameDriver: { below: number; groups: number };
  normalMeanByRoad: Record<string, number>;
}

const kindOf = (label: string | undefined): { kind: string; road: string } | null => {
  const [kind, road] = (label ?? '').toLowerCase().split(/\s+/);
  return kind === 'normal' || kind === 'aggressive' ? { kind, road: road ?? '' } : null;
};

function auc(normal: number[], aggressive: number[]): number {
  let s = 0;
  for (const n of normal) for (const a of aggressive) s += n > a ? 1 : n === a ? 0.5 : 0;
  return s / (normal.length * aggressive.length);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function ranking(rows: RecordingFigures[]): RankingFigures | null {
  const xs = rows.flatMap((r) => {
    const k = kindOf(r.label);
    return k && r.score !== null ? [{ ...k, score: r.score, driver: r.driver ?? '' }] : [];
  });
  const of = (kind: string, road?: string) => xs.filter((x) => x.kind === kind && (road === undefined || x.road === road)).map((x) => x.score);
  if (of('normal').length === 0 || of('aggressive').length === 0) return null;
  const out: RankingFigures = {
    auc: auc(of('normal'), of('aggressive')),
    pairs: of('normal').length * of('aggressive').length,
    aucByRoad: {},
    sameDriver: { below: 0, groups: 0 },
    normalMeanByRoad: {},
  };
  for (const road of [...new Set(xs.map((x) => x.road))].sort()) {
    const [n, a] = [of('normal', road), of('aggressive', road)];
    if (n.length > 0) out.normalMeanByRoad[road || '-'] = Math.round(mean(n) * 10) / 10;
    if (n.length > 0 && a.length > 0) out.aucByRoad[road || '-'] = { auc: auc(n, a), pairs: n.length * a.length };
  }
  const groups = new Set(xs.filter((x) => x.driver !== '').map((x) => `${x.driver}\u0000${x.road}`));
  for (const g of groups) {
    const [driver, road] = g.split('\u0000');
    const pick = (kind: string) => xs.filter((x) => x.driver === driver && x.road === road && x.kind === kind).map((x) => x.score);
    const [n, a] = [pick('normal'), pick('aggressive')];
    if (n.length === 0 || a.length === 0) continue;
    out.sameDriver.groups++;
    if (mean(a) < mean(n)) out.sameDriver.below++;
  }
  return out;
}

export function formatRanking(set: string, r: RankingFigures): string {
  const f2 = (x: number) => x.toFixed(2);
  const roads = Object.entries(r.aucByRoad).map(([k, v]) => `${k} ${f2(v.auc)}`);
  const means = Object.entries(r.normalMeanByRoad).map(([k, v]) => `${k} ${v}`);
  return (
    `${set}: ranking: ROC AUC normal above aggressive ${f2(r.auc)} (${r.pairs} pairs${roads.length ? `; by road ${roads.join(', ')}` : ''}); ` +
    (r.sameDriver.groups > 0 ? `same driver and road: aggressive below normal in ${r.sameDriver.below} of ${r.sameDriver.groups}; ` : '') +
    `normal driving mean score ${means.join(', ')}`
  );
}
