// `serve --processes N`: a primary (node:cluster) that runs N gateway workers on the same ports and
// restarts a worker that dies. MQTT/TCP and MQTT/TLS are node:cluster servers (the primary accepts and hands
// connections to the workers in turn); the HTTP/WebSocket port is uWS in every worker with SO_REUSEPORT
// (the kernel spreads connections). /metrics, answered by whichever worker gets the scrape, holds every
// worker's series labelled worker="<slot>" (the primary collects them over IPC). The primary holds no
// device connection: a dead worker's devices reconnect (to any worker) and resend what was not acknowledged.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { pino } from 'pino';
import type { GatewayConfig } from './config.js';
import { mergeWorkerMetrics } from './core/metrics-merge.js';
import { startGateway, type Gateway } from './gateway.js';

type Msg =
  | { t: 'metrics?'; id: number }
  | { t: 'metrics'; id: number; text: string }
  | { t: 'render'; id: number }
  | { t: 'rendered'; id: number; text: string; slot: string };

const SLOT_ENV = 'FW_GATEWAY_WORKER_SLOT';

/** A free loopback port, so every worker is given the same concrete port for "0". */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export async function runPrimary(cfg: GatewayConfig): Promise<void> {
  const log = pino({ level: cfg.logLevel, base: { svc: 'fw-gateway', gw: cfg.gatewayId, role: 'primary' } });
  // Concrete ports for every worker ("0" would give each uWS worker a port of its own).
  const ports: Record<string, string> = {};
  if (cfg.mqttPort !== null) ports.FW_GATEWAY_MQTT_PORT = String(cfg.mqttPort || (await freePort(cfg.host)));
  if (cfg.tlsPort !== null) ports.FW_GATEWAY_TLS_PORT = String(cfg.tlsPort || (await freePort(cfg.host)));
  if (cfg.httpPort !== null) ports.FW_GATEWAY_HTTP_PORT = String(cfg.httpPort || (await freePort(cfg.host)));
  if (!cfg.cluster)
    log.warn(
      'several processes without FW_GATEWAY_CLUSTER: a downlink (config push, partner message) reaches only devices connected to the worker it arrives on',
    );
  cluster.setupPrimary({ args: process.argv.slice(2) });
  const slots = new Map<number, Worker>();
  const startedAt = new Map<number, number>();
  let stopping = false;
  let nextId = 1;
  /** Metrics scrapes being collected: the parts arrived so far, how many are expected, and the answer. */
  const pending = new Map<number, { want: number; parts: { worker: string; text: string }[]; finish: () => void }>();

  const fork = (slot: number) => {
    const w = cluster.fork({ ...ports, [SLOT_ENV]: String(slot), FW_GATEWAY_ID: `${cfg.gatewayId}-w${slot}` });
    slots.set(slot, w);
    startedAt.set(slot, Date.now());
    w.on('message', (m: Msg) => onMessage(w, m));
    w.once('exit', (code, signal) => {
      if (slots.get(slot) === w) slots.delete(slot);
      if (stopping) return;
      // A worker that dies soon after its start is restarted with backoff (a crash loop must not spin).
      const quick = Date.now() - (startedAt.get(slot) ?? 0) < 5_000;
      const delay = quick ? 2_000 : 100;
      log.warn({ slot, pid: w.process.pid, code, signal, restartInMs: delay }, 'gateway worker exited; restarting it');
      setTimeout(() => !stopping && fork(slot), delay);
    });
    w.once('online', () => log.info({ slot, pid: w.process.pid }, 'gateway worker started'));
  };

  const onMessage = (from: Worker, m: Msg) => {
    if (m.t === 'metrics?') {
      // Ask every live worker; answer with what arrived within 2 s.
      const id = nextId++;
      const live = [...slots.values()].filter((w) => w.isConnected());
      const parts: { worker: string; text: string }[] = [];
      const finish = () => {
        if (!pending.delete(id)) return;
        parts.sort((a, b) => Number(a.worker) - Number(b.worker));
        if (from.isConnected()) from.send({ t: 'metrics', id: m.id, text: mergeWorkerMetrics(parts) } satisfies Msg);
      };
      pending.set(id, { want: live.length, parts, finish });
      setTimeout(finish, 2_000).unref();
      for (const w of live) w.send({ t: 'render', id } satisfies Msg);
      if (live.length === 0) finish();
    } else if (m.t === 'rendered') {
      const e = pending.get(m.id);
      if (!e) return;
      e.parts.push({ worker: m.slot, text: m.text });
      if (e.parts.length >= e.want) e.finish();
    }
  };

  for (let s = 1; s <= cfg.processes; s++) fork(s);
  log.info({ processes: cfg.processes, ports }, 'gateway primary running');

  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ sig }, 'stopping workers (each drains)');
    const all = [...slots.values()];
    for (const w of all) w.process.kill('SIGTERM');
    const hard = setTimeout(() => {
      for (const w of all) if (!w.isDead()) w.process.kill('SIGKILL');
    }, cfg.drainTimeoutMs + 10_000);
    hard.unref();
    void Promise.all(all.map((w) => (w.isDead() ? Promise.resolve() : new Promise((r) => w.once('exit', r))))).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** A worker: the gateway on the shared ports; /metrics asks the primary for every worker's series. */
export async function runWorker(cfg: GatewayConfig): Promise<Gateway> {
  const slot = process.env[SLOT_ENV] ?? String(cluster.worker?.id ?? 0);
  let nextId = 1;
  const waiting = new Map<number, (text: string) => void>();
  let local: () => string = () => '';
  process.on('message', (m: Msg) => {
    if (m.t === 'render') process.send?.({ t: 'rendered', id: m.id, text: local(), slot } satisfies Msg);
    else if (m.t === 'metrics') {
      waiting.get(m.id)?.(m.text);
      waiting.delete(m.id);
    }
  });
  const gw = await startGateway({
    ...cfg,
    httpReusePort: true,
    renderMetrics: (own) => {
      local = own;
      const id = nextId++;
      return new Promise<string>((resolve) => {
        waiting.set(id, resolve);
        process.send?.({ t: 'metrics?', id } satisfies Msg);
        // The primary answers within 2 s; if it does not, this worker's own series.
        setTimeout(() => {
          if (waiting.delete(id)) resolve(mergeWorkerMetrics([{ worker: slot, text: own() }]));
        }, 3_000).unref();
      });
    },
  });
  local = () => gw.metrics.registry.render();
  return gw;
}
