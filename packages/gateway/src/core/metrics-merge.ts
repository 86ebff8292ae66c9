// Prometheus text of several worker processes -> one exposition: every sample gets a worker="<n>" label,
// each metric family keeps one HELP/TYPE and all its samples together (as the text format requires).

interface Family {
  head: string[];
  samples: string[];
}

/** Adds `label="value"` to one sample line ("name{a="b"} 1" or "name 1"). */
export function withLabel(line: string, label: string, value: string): string {
  const v = value.replace(/["\\\n]/g, '_');
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace >= 0 && (space < 0 || brace < space)) return `${line.slice(0, brace + 1)}${label}="${v}",${line.slice(brace + 1)}`;
  return `${line.slice(0, space)}{${label}="${v}"}${line.slice(space)}`;
}

/** Family name of a sample: histogram parts (_bucket, _sum, _count) belong to their base family when it was declared. */
const familyOf = (sample: string, known: Map<string, Family>): string => {
  const name = /^[^{ ]+/.exec(sample)?.[0] ?? sample;
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return known.has(base) ? base : name;
};

export function mergeWorkerMetrics(parts: { worker: string; text: string }[], label = 'worker'): string {
  const families = new Map<string, Family>();
  for (const { worker, text } of parts) {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        const f = families.get(m[2]!) ?? { head: [], samples: [] };
        if (!f.head.some((h) => h.startsWith(`# ${m[1]} `))) f.head.push(line);
        families.set(m[2]!, f);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = familyOf(line, families);
      const f = families.get(name) ?? { head: [], samples: [] };
      f.samples.push(withLabel(line, label, worker));
      families.set(name, f);
    }
  }
  return [...families.values()].map((f) => [...f.head, ...f.samples].join('\n')).join('\n') + '\n';
}
