// NDS-BR's per-second phone-use labels (column ACTION, coded from video) replayed as what a phone app would
// report, and the recall / precision of the phone-use seconds the scorer counts while moving. The data set has
// no IMU and no app log, so the replay stands in for both (README, "Phone use"): what it measures is the
// accounting (3 m/s, >= 3 s episodes, gesture hold, merge gaps, batch splits), not the sensing.
import type { Recording } from './recording.js';

const S = { SCREEN_OFF: 1, UNLOCKED: 3, LOCKED: 4, CALL_START: 5, CALL_END: 6, HANDLING: 7 };

/** Labels that mean phone use; 'NPI' (not observable) and '' are not. */
export const isUse = (label: string): boolean => label !== '' && label !== 'NPI';

/**
 * Segments of equal use labels -> app states: a call is call_start..call_end; browsing, holding and use on the
 * holder are an unlock at the start, touch gestures at 1-5 s intervals (seeded per recording: deterministic),
 * and a lock at the end. "Holding" without touching is what the SDK's IMU handling would see; here it is
 * replayed as gestures.
 */
export function replayPhoneLabels(labels: { t: number; label: string }[], seedText: string): { t: number; state: number }[] {
  let seed = 0;
  for (const ch of seedText) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 10_000) / 10_000;
  const out: { t: number; state: number }[] = [];
  let i = 0;
  while (i < labels.length) {
    const l = labels[i]!.label;
    let j = i;
    while (j + 1 < labels.length && labels[j + 1]!.label === l && labels[j + 1]!.t - labels[j]!.t <= 2000) j++;
    if (isUse(l)) {
      const t0 = labels[i]!.t;
      const t1 = labels[j]!.t + 1000;
      if (l.startsWith('Calling')) out.push({ t: t0, state: S.CALL_START }, { t: t1, state: S.CALL_END });
      else {
        out.push({ t: t0, state: S.UNLOCKED });
        for (let t = t0 + 1000 + rnd() * 4000; t < t1; t += 1000 + rnd() * 4000) out.push({ t: Math.round(t), state: S.HANDLING });
        out.push({ t: t1, state: S.LOCKED });
      }
    }
    i = j + 1;
  }
  return out.sort((a, b) => a.t - b.t);
}

export interface PhoneUseFigures {
  /** Labelled seconds of use while moving (> minSpeed) and the ones the scorer counted (PHONE_USE events). */
  truthS: number;
  predictedS: number;
  truePositiveS: number;
  recall: number;
  precision: number;
  events: number;
}

/** Seconds while moving: labelled vs covered by PHONE_USE events (per GPS second of the recording). */
export function phoneUseFigures(rec: Recording, events: { tMs: number; durationMs: number }[], minSpeedMs = 3): PhoneUseFigures | null {
  if (!rec.phoneLabels) return null;
  const label = new Map(rec.phoneLabels.map((l) => [l.t, l.label]));
  let truth = 0;
  let pred = 0;
  let tp = 0;
  for (const f of rec.gps) {
    const l = label.get(f.t) ?? '';
    if (l === 'NPI' || !(f.speed > minSpeedMs)) continue;
    const isT = isUse(l);
    const isP = events.some((e) => f.t >= e.tMs && f.t < e.tMs + e.durationMs);
    if (isT) truth++;
    if (isP) pred++;
    if (isT && isP) tp++;
  }
  return { truthS: truth, predictedS: pred, truePositiveS: tp, recall: truth ? tp / truth : 1, precision: pred ? tp / pred : 1, events: events.length };
}
