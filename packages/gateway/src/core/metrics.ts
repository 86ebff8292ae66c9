// A tiny Prometheus text-format registry: counters, gauges, histograms with labels. Pure.

type Labels = Readonly<Record<string, string>>;

function labelKey(l: Labels | undefined): string {
  if (!l) return '';
  const keys = Object.keys(l).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
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

export class Counter extends Metric {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** A counter for one fixed label set, its series key built once (for per-message hot paths). */
  bind(labels?: Labels): BoundCounter {
    const k = labelKey(labels);
    const values = this.values;
    return { inc: (by = 1) => void values.set(k, (values.get(k) ?? 0) + by) };
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

export interface BoundCounter {
  inc(by?: number): void;
}

export class Gauge extends Metric {
  private readonly values = new Map<string, number | (() => number)>();
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(v: number, labels?: Labels): void {
    this.values.set(labelKey(labels), v);
  }
  inc(labels?: Labels, by = 1): void {
    this.set(this.get(labels) + by, labels);
  }
  dec(labels?: Labels, by = 1): void {
    this.set(this.get(labels) - by, labels);
  }
  /** Computed at scrape time. */
  collect(fn: () => number, labels?: Labels): void {
    this.values.set(labelKey(labels), fn);
  }
  get(labels?: Labels): number {
    const v = this.values.get(labelKey(labels));
    return typeof v === 'function' ? v() : (v ?? 0);
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${typeof v === 'function' ? v() : v}`);
  }
}

export class Histogram extends Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
  get total(): number {
    return this.count;
  }
  lines(): string[] {
    const out = this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`);
    out.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
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
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
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

/** The gateway's metric set. */
export function gatewayMetrics(reg = new Registry()) {
  return {
    registry: reg,
    connections: reg.gauge('fw_gateway_connections', 'Open MQTT connections by transport'),
    connectsTotal: reg.counter('fw_gateway_connects_total', 'Accepted MQTT connections by transport'),
    authFailures: reg.counter('fw_gateway_auth_failures_total', 'Rejected CONNECTs by reason'),
    messages: reg.counter('fw_gateway_messages_total', 'Uplink messages by outcome (accepted, duplicate, rejected)'),
    bytes: reg.counter('fw_gateway_uplink_bytes_total', 'Uplink payload bytes received'),
    rejects: reg.counter('fw_gateway_rejects_total', 'Dead-lettered uplinks by reason code'),
    aclDenials: reg.counter('fw_gateway_acl_denials_total', 'Denied publishes/subscriptions by action'),
    inflight: reg.gauge('fw_gateway_inflight_messages', 'Uplinks waiting for the sink (Kafka) ack'),
    sinkLatency: reg.histogram('fw_gateway_sink_ack_seconds', 'Time from enqueue to sink (Kafka) ack', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    sinkBatches: reg.counter('fw_gateway_sink_batches_total', 'Batches sent to the sink'),
    sinkErrors: reg.counter('fw_gateway_sink_errors_total', 'Failed sink sends'),
    sinkReady: reg.gauge('fw_gateway_sink_ready', '1 when the sink (Kafka producer) is connected'),
    dedupeRedis: reg.gauge('fw_gateway_dedupe_redis', '1 when the dedupe window is in Redis (or Redis Cluster), 0 when the in-memory window answers'),
    dedupeFallbacks: reg.gauge('fw_gateway_dedupe_fallback_keys', 'Dedupe keys answered by the in-memory window because their Redis call failed (total since start)'),
    sessionsRevoked: reg.counter('fw_gateway_sessions_revoked_total', 'Sessions closed because their registry account was disabled or removed'),
    sessionsExpired: reg.counter('fw_gateway_sessions_expired_total', 'Sessions closed because their login token expired'),
    proxyRejects: reg.counter('fw_gateway_proxy_header_rejects_total', 'Connections closed for a missing or malformed PROXY protocol header, by transport'),
  };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
