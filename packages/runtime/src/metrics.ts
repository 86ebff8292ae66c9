// The one Prometheus text-format registry of fleetwire's servers: counters, gauges, histograms with labels.
// Pure. Argument order follows prom-client: inc([labels,] [by]), set(value, [labels]), observe(value).

export type Labels = Readonly<Record<string, string>>;

/** Label value escaping of the text exposition format: backslash, double quote and newline. */
const escapeValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The series' identity: label names sorted, so {a,b} and {b,a} are one series. */
function labelKey(l: Labels | undefined): string {
  if (!l) return '';
  const keys = Object.keys(l);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  return renderLabels(l, keys);
}

/** `{k="v",...}` in the given key order (a series is rendered with the labels in the order first given). */
function renderLabels(l: Labels, keys: readonly string[] = Object.keys(l)): string {
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeValue(String(l[k]))}"`).join(',')}}`;
}

/** Series of one metric: value by series key, and how each series is printed. */
class SeriesMap<V> {
  readonly values = new Map<string, V>();
  private readonly printed = new Map<string, string>();
  key(labels: Labels | undefined): string {
    const k = labelKey(labels);
    if (labels && k !== '' && !this.printed.has(k)) this.printed.set(k, renderLabels(labels));
    return k;
  }
  label(k: string): string {
    return this.printed.get(k) ?? k;
  }
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new TypeError(`bad metric name ${name}`);
  }
  abstract lines(): string[];
}

/** `inc(by)` or `inc(labels, by)`: prom-client's order. */
function incArgs(a: Labels | number | undefined, b: number | undefined): [Labels | undefined, number] {
  return typeof a === 'number' ? [undefined, a] : [a, b ?? 1];
}

export class Counter extends Metric {
  private readonly series = new SeriesMap<number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(by?: number): void;
  inc(labels: Labels | undefined, by?: number): void;
  inc(a?: Labels | number, b?: number): void {
    const [labels, by] = incArgs(a, b);
    const k = this.series.key(labels);
    this.series.values.set(k, (this.series.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.series.values.get(labelKey(labels)) ?? 0;
  }
  /** A counter for one fixed label set, its series key built once (for per-message hot paths). */
  bind(labels?: Labels): BoundCounter {
    const k = this.series.key(labels);
    const values = this.series.values;
    return { inc: (by = 1) => void values.set(k, (values.get(k) ?? 0) + by) };
  }
  lines(): string[] {
    if (this.series.values.size === 0) return [`${this.name} 0`];
    return [...this.series.values].map(([k, v]) => `${this.name}${this.series.label(k)} ${v}`);
  }
}

export interface BoundCounter {
  inc(by?: number): void;
}

export class Gauge extends Metric {
  private readonly series = new SeriesMap<number | (() => number)>();
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(v: number, labels?: Labels): void {
    this.series.values.set(this.series.key(labels), v);
  }
  inc(by?: number): void;
  inc(labels: Labels | undefined, by?: number): void;
  inc(a?: Labels | number, b?: number): void {
    const [labels, by] = incArgs(a, b);
    this.set(this.get(labels) + by, labels);
  }
  dec(by?: number): void;
  dec(labels: Labels | undefined, by?: number): void;
  dec(a?: Labels | number, b?: number): void {
    const [labels, by] = incArgs(a, b);
    this.set(this.get(labels) - by, labels);
  }
  /** Computed at scrape time. */
  collect(fn: () => number, labels?: Labels): void {
    this.series.values.set(this.series.key(labels), fn);
  }
  get(labels?: Labels): number {
    const v = this.series.values.get(labelKey(labels));
    return typeof v === 'function' ? v() : (v ?? 0);
  }
  lines(): string[] {
    if (this.series.values.size === 0) return [`${this.name} 0`];
    return [...this.series.values].map(([k, v]) => `${this.name}${this.series.label(k)} ${typeof v === 'function' ? v() : v}`);
  }
}

/** Latency buckets in seconds, 1 ms .. 5 s (the default of Registry.histogram). */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

export class Histogram extends Metric {
  private readonly counts: number[];
  private sumOf = 0;
  private n = 0;
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, 'histogram');
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sumOf += v;
    this.n++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
  /** Observations so far (the _count series). */
  get count(): number {
    return this.n;
  }
  /** Sum of the observed values (the _sum series). */
  get sum(): number {
    return this.sumOf;
  }
  lines(): string[] {
    const out = this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`);
    out.push(`${this.name}_bucket{le="+Inf"} ${this.n}`, `${this.name}_sum ${this.sumOf}`, `${this.name}_count ${this.n}`);
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  private add<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    return `${out.join('\n')}\n`;
  }
}
