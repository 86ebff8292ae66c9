// Manoeuvre labels (manoeuvres.csv beside the recordings: "recording,start,end,kind") and how the detected
// events match them: for each labelled manoeuvre, whether an event of its type fell in its window (1 s of
// slack either side), one of another type only, or none; and events outside every window. Pure but for the read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EV } from '../core/types.js';
import type { DetectedEvent } from '../core/types.js';
import { cells, parseTime, type Recording, RecordingError } from './recording.js';

export const MANOEUVRE_KINDS = ['brake', 'accel', 'left', 'right', 'turn'] as const;
export type ManoeuvreKind = (typeof MANOEUVRE_KINDS)[number];

export interface Manoeuvre {
  start: number;
  end: number;
  kind: ManoeuvreKind;
}

/** Per kind: labelled, right type, another type only, nothing; and harsh events outside every label. */
export interface ManoeuvreFigures {
  byKind: Partial<Record<ManoeuvreKind, { labelled: number; right: number; wrong: number; missed: number }>>;
  outside: number;
}

const WANT: Record<ManoeuvreKind, number> = {
  brake: EV.HARSH_BRAKING,
  accel: EV.HARSH_ACCELERATION,
  left: EV.HARSH_CORNERING,
  right: EV.HARSH_CORNERING,
  turn: EV.HARSH_CORNERING,
};
const HARSH: ReadonlySet<number> = new Set([EV.HARSH_BRAKING, EV.HARSH_ACCELERATION, EV.HARSH_CORNERING]);
const SLACK_MS = 1000;

/** Reads manoeuvres.csv in `dir` (if there is one) onto the recordings it names (id without the set prefix). */
export function applyManoeuvres(dir: string, set: string, recs: Recording[]): void {
  const file = join(dir, 'manoeuvres.csv');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const byId = new Map(recs.map((r) => [r.id.slice(set.length + 1), r]));
  const ls = text.split(/\r?\n/);
  ls.forEach((line, i) => {
    if (i === 0 || line.trim() === '' || line.startsWith('#')) return;
    const [id, a, b, kind] = cells(line, ',');
    const where = `${file}:${i + 1}`;
    const rec = byId.get(id ?? '');
    if (!rec) throw new RecordingError(`${where}: no recording "${id}" in ${dir}`);
    const start = parseTime(a ?? '');
    const end = parseTime(b ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) throw new RecordingError(`${where}: bad start/end "${a}", "${b}"`);
    if (!(MANOEUVRE_KINDS as readonly string[]).includes(kind ?? '')) {
      throw new RecordingError(`${where}: kind "${kind}" is not one of ${MANOEUVRE_KINDS.join(', ')}`);
    }
    (rec.manoeuvres ??= []).push({ start, end, kind: kind as ManoeuvreKind });
  });
}

export function manoeuvreFigures(labels: readonly Manoeuvre[] | undefined, events: readonly DetectedEvent[]): ManoeuvreFigures | undefined {
  if (!labels || labels.length === 0) return undefined;
  const harsh = events.filter((e) => HARSH.has(e.type));
  const inside = (e: DetectedEvent, l: Manoeuvre) => e.tMs + e.durationMs >= l.start - SLACK_MS && e.tMs <= l.end + SLACK_MS;
  const out: ManoeuvreFigures = { byKind: {}, outside: harsh.filter((e) => !labels.some((l) => inside(e, l))).length };
  for (const l of labels) {
    const k = (out.byKind[l.kind] ??= { labelled: 0, right: 0, wrong: 0, missed: 0 });
    const got = harsh.filter((e) => inside(e, l));
    k.labelled++;
    if (got.some((e) => e.type === WANT[l.kind])) k.right++;
    else if (got.length > 0) k.wrong++;
    else k.missed++;
  }
  return out;
}

/** "brake 11/12 right (0 other type, 1 missed), ..." */
export function formatManoeuvres(m: ManoeuvreFigures): string {
  const parts = Object.entries(m.byKind).map(([k, v]) => `${k} ${v.right}/${v.labelled} right (${v.wrong} other type, ${v.missed} missed)`);
  return `${parts.join(', ')}; ${m.outside} harsh events outside the labels`;
}
