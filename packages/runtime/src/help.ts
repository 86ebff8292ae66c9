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
    return [left, `${o.help}${def ? ` (default ${def})` : ''}`] as const;
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

/** The README's options table (Markdown): variable, flag, default, meaning. */
export function renderOptionsMarkdown(table: OptionTable, defaults: object = {}): string {
  const out = ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |'];
  for (const o of table) {
    const def = shownDefault(o, defaults);
    out.push(`| ${o.env ? `\`${o.env}\`` : ''} | ${o.flag ? `\`--${o.flag}\`` : ''} | ${def ? `\`${cell(def)}\`` : ''} | ${cell(o.help)} |`);
  }
  return `${out.join('\n')}\n`;
}
