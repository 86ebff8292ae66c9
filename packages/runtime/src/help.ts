// --help text and README tables generated from an option table, so the two never drift from the code.
import type { Kind, Option, OptionTable } from './options.js';

const ARG: Record<Kind, string> = { str: 'S', bool: '', int: 'N', num: 'X', port: 'PORT', list: 'A,B', brokers: 'HOST:PORT,...', custom: 'V' };

/** The default of `o` as shown to people, or '' when there is none worth showing. */
export function shownDefault(o: Option, defaults: object = {}): string {
  if (o.shows !== undefined) return o.shows;
  const v = (defaults as Record<string, unknown>)[o.key];
  if (v === undefined || v === null || v === '') return '';
  if (Array.isArray(v)) return v.length === 0 ? '' : v.join(',');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

const argOf = (o: Option): string => (o.arg ?? ARG[o.kind]) || '';

/** The allowed range of an int/num option, as people read it ('' when it is just >= 0). */
export function rangeOf(o: Option): string {
  if (o.kind !== 'int' && o.kind !== 'num') return '';
  const min = o.min ?? 0;
  if (o.max !== undefined) return `${min}..${o.max}`;
  return min !== 0 ? `>= ${min}` : '';
}

/** Help text with the range appended, e.g. "number of devices, 1..100000". */
const described = (o: Option): string => (rangeOf(o) ? `${o.help}, ${rangeOf(o)}` : o.help);

export interface HelpText {
  /** First lines: "usage: prog cmd [options]" and what the command does. */
  usage: string;
  table?: OptionTable;
  defaults?: object;
  /** Line above the options (default "options (flag, environment variable):"). */
  heading?: string;
  /** Lines after the options (exit codes, examples). */
  footer?: string;
}

/** `--help` output: usage, then one line per option: flag and argument, variable, help, default. */
export function renderHelp(h: HelpText): string {
  const rows = (h.table ?? []).map((o) => {
    const flag = o.flag ? `--${o.flag}${argOf(o) ? ` ${argOf(o)}` : ''}` : '';
    const left = [flag, o.env ?? ''].filter(Boolean).join(flag && o.env ? ', ' : '');
    const def = shownDefault(o, h.defaults);
    return [left, `${described(o)}${def ? ` (default ${def})` : ''}`] as const;
  });
  const w = Math.min(48, Math.max(0, ...rows.map(([l]) => l.length)));
  const lines = [h.usage.trimEnd()];
  if (rows.length > 0) {
    lines.push('', h.heading ?? 'options (flag, environment variable):');
    for (const [l, r] of rows) lines.push(l.length > w ? `  ${l}\n  ${' '.repeat(w)}  ${r}` : `  ${l.padEnd(w)}  ${r}`);
  }
  if (h.footer) lines.push('', h.footer.trimEnd());
  return `${lines.join('\n')}\n`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The README's options table (Markdown): variable, flag, default, meaning (a column no option uses is left out). */
export function renderOptionsMarkdown(table: OptionTable, defaults: object = {}): string {
  const cols: Array<[string, (o: Option) => string]> = [];
  if (table.some((o) => o.env)) cols.push(['variable', (o) => (o.env ? `\`${o.env}\`` : '')]);
  if (table.some((o) => o.flag)) cols.push(['flag', (o) => (o.flag ? `\`${cell(`--${o.flag}${argOf(o) ? ` ${argOf(o)}` : ''}`)}\`` : '')]);
  cols.push(['default', (o) => (shownDefault(o, defaults) ? `\`${cell(shownDefault(o, defaults))}\`` : '')]);
  cols.push(['meaning', (o) => cell(described(o))]);
  const out = [`| ${cols.map(([h]) => h).join(' | ')} |`, `|${cols.map(() => ' --- |').join('')}`];
  for (const o of table) out.push(`| ${cols.map(([, f]) => f(o)).join(' | ')} |`);
  return `${out.join('\n')}\n`;
}
