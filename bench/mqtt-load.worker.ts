// MQTT load generator, run as its own process so the broker under test does not share an event loop
// (or a CPU profile) with the clients. Raw mqtt-packet over net sockets: far cheaper per message than
// mqtt.js, so the measurement is about the broker.
//
// Input: path of a JSON file (LoadSpec) in argv[2]. Output: one `LOAD {json}` line (LoadResult) on stdout.
// Mode "publish": every client keeps `window` QoS 1 publishes in flight until `perClient` are acked.
// Mode "hold": clients connect (at most `connectConcurrency` handshakes at once), each publishes
// `perClient` messages one at a time, then all stay connected until the parent writes a line to stdin;
// the worker then checks every socket is still open, and reports.
// Mode "rate": open loop, each client publishes `ratePerClient` msg/s on a fixed schedule (clients
// spread evenly over the interval) until `perClient` are sent: latency at a given offered load.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import mqttPacket from 'mqtt-packet';
import { benchPayload, type PayloadShape } from './lib-payload.js';

export interface LoadClient {
  clientId: string;
  username?: string;
  password?: string;
  topic: string;
  deviceId: string;
}

export interface LoadSpec {
  mode: 'publish' | 'hold' | 'rate';
  host: string;
  port: number;
  clients: LoadClient[];
  perClient: number;
  window: number;
  connectConcurrency?: number;
  /** rate mode: messages per second per client (open loop: sent on schedule whatever the acks). */
  ratePerClient?: number;
  /** rate mode: latencies of messages sent in the first seconds are left out (JIT, first Kafka requests). */
  warmupSec?: number;
  keepaliveSec?: number;
  /** What one message holds (lib-payload.ts; default SMALL_BATCH). */
  payload?: PayloadShape;
}

export interface LoadResult {
  connected: number;
  connectFailures: number;
  connectMs: number;
  acked: number;
  rate: number;
  p50: number;
  p99: number;
  payloadBytes: number;
  /** Event-loop stalls of the load process itself during the run ("<s>s:<ms>ms"). */
  loadStalls?: string[];
  /** CPU time (user + system, µs) the load process spent during the publishing phase. */
  cpuUs?: number;
  /** rate mode: p99 latency of the messages sent in each second of the run. */
  p99BySecond?: number[];
  /** hold mode: sockets still open when told to stop. */
  stillOpen?: number;
  errors: string[];
}

const percentile = (s: Float64Array, p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!);

class Conn {
  readonly sock: net.Socket;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private out: Buffer[] = [];
  private readonly sentAt = new Map<number, number>();
  private nextId = 1;
  private seq = 0;
  acked = 0;
  open = false;
  onConnack: ((code: number) => void) | null = null;
  onAck: ((latencyMs: number) => void) | null = null;

  constructor(
    readonly c: LoadClient,
    spec: LoadSpec,
    private readonly payloads: Buffer[],
  ) {
    this.sock = net.connect(spec.port, spec.host);
    this.sock.setNoDelay(true);
    this.sock.on('connect', () => {
      this.open = true;
      this.sock.write(
        mqttPacket.generate({
          cmd: 'connect',
          clientId: c.clientId,
          protocolVersion: 4,
          clean: true,
          keepalive: spec.keepaliveSec ?? 120,
          username: c.username,
          password: c.password === undefined ? undefined : Buffer.from(c.password),
        }),
      );
    });
    this.sock.on('close', () => (this.open = false));
    this.sock.on('error', () => (this.open = false));
    this.parser.on('packet', (p) => {
      if (p.cmd === 'connack') this.onConnack?.((p as mqttPacket.IConnackPacket).returnCode ?? 0);
      else if (p.cmd === 'puback') {
        const t = this.sentAt.get(p.messageId!);
        this.sentAt.delete(p.messageId!);
        this.acked++;
        if (t !== undefined) this.onAck?.(performance.now() - t);
      } else if (p.cmd === 'pingresp') {
        /* keepalive answered */
      }
    });
    this.sock.on('data', (d) => {
      this.parser.parse(d);
      this.flush();
    });
  }

  /** Queues the next publish (written at the end of the current read, or by flush()). */
  get sent(): number {
    return this.seq;
  }

  publishNext(): boolean {
    if (this.seq >= this.payloads.length) return false;
    const id = this.nextId;
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    this.out.push(
      mqttPacket.generate({ cmd: 'publish', topic: this.c.topic, payload: this.payloads[this.seq++]!, qos: 1, messageId: id, retain: false, dup: false }),
    );
    this.sentAt.set(id, performance.now());
    return true;
  }

  flush(): void {
    if (this.out.length === 0) return;
    const b = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    this.sock.write(b);
  }

  ping(): void {
    if (this.open) this.sock.write(mqttPacket.generate({ cmd: 'pingreq' }));
  }
}

async function connectAll(spec: LoadSpec, payloads: Buffer[][], errors: string[]): Promise<{ conns: Conn[]; failures: number; ms: number }> {
  const t0 = performance.now();
  const conns: Conn[] = [];
  let failures = 0;
  let i = 0;
  const limit = spec.connectConcurrency ?? 200;
  const one = (idx: number) =>
    new Promise<void>((resolve) => {
      const conn = new Conn(spec.clients[idx]!, spec, payloads[idx]!);
      const timer = setTimeout(() => done('timeout'), 30_000);
      const done = (why: string | null) => {
        clearTimeout(timer);
        conn.onConnack = null;
        if (why) {
          failures++;
          if (errors.length < 10) errors.push(`${spec.clients[idx]!.clientId}: ${why}`);
          conn.sock.destroy();
        } else conns.push(conn);
        resolve();
      };
      conn.onConnack = (code) => done(code === 0 ? null : `CONNACK ${code}`);
      conn.sock.once('close', () => done('closed before CONNACK'));
    });
  await Promise.all(
    Array.from({ length: Math.min(limit, spec.clients.length) }, async () => {
      while (i < spec.clients.length) await one(i++);
    }),
  );
  return { conns, failures, ms: performance.now() - t0 };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const errors: string[] = [];
  const payloads = spec.clients.map((c) => Array.from({ length: spec.perClient }, (_, s) => benchPayload(c.deviceId, s + 1, spec.payload)));
  const { conns, failures, ms } = await connectAll(spec, payloads, errors);
  const total = conns.length * spec.perClient;
  const lat = new Float64Array(total);
  const perSec: number[][] = [];
  const warmup = spec.mode === 'rate' ? (spec.warmupSec ?? 0) : 0;
  let n = 0;
  let kept = 0; // rate mode: latencies recorded after the warm-up
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // This process's own event-loop stalls (> 30 ms): a starved load generator inflates the latencies it sees.
  const stalls: string[] = [];
  let lastTick = t0;
  const stallTimer = setInterval(() => {
    const now = performance.now();
    if (now - lastTick > 40 && stalls.length < 50) stalls.push(`${((now - t0) / 1000).toFixed(1)}s:${Math.round(now - lastTick - 10)}ms`);
    lastTick = now;
  }, 10);
  stallTimer.unref();
  await new Promise<void>((resolve) => {
    if (total === 0) return resolve();
    const guard = setTimeout(() => {
      errors.push(`timed out with ${n}/${total} acked`);
      resolve();
    }, 300_000);
    guard.unref();
    for (const conn of conns) {
      conn.sock.on('close', () => {
        if (errors.length < 10) errors.push(`${conn.c.clientId}: closed during the run`);
      });
    }
    if (spec.mode === 'rate') {
      const rate = spec.ratePerClient ?? 1;
      const offsets = conns.map((_, i) => (i / conns.length) * (1000 / rate));
      // Tells the parent when the measured part starts (messages sent from now on count), e.g. to meter CPU.
      setTimeout(() => process.stdout.write('MEASURE\n'), warmup * 1000).unref();
      for (const conn of conns) {
        conn.onAck = (ms) => {
          const sec = Math.floor((performance.now() - ms - t0) / 1000);
          (perSec[sec] ??= []).push(ms);
          if (sec >= warmup) lat[kept++] = ms;
          if (++n === total) resolve();
        };
      }
      const tick = setInterval(() => {
        const el = performance.now() - t0;
        let all = true;
        for (let i = 0; i < conns.length; i++) {
          const conn = conns[i]!;
          const due = Math.min(spec.perClient, Math.floor(((el - offsets[i]!) * rate) / 1000) + 1);
          while (conn.sent < due) conn.publishNext();
          conn.flush();
          if (conn.sent < spec.perClient) all = false;
        }
        if (all) clearInterval(tick);
      }, 2);
      return;
    }
    const window = spec.mode === 'hold' ? 1 : spec.window;
    for (const conn of conns) {
      conn.onAck = (ms) => {
        lat[n++] = ms;
        conn.publishNext();
        if (n === total) resolve();
      };
      for (let k = 0; k < window; k++) conn.publishNext();
      conn.flush();
    }
  });
  clearInterval(stallTimer);
  const cpu = process.cpuUsage(cpu0);
  const secs = (performance.now() - t0) / 1000;
  const sorted = lat.subarray(0, spec.mode === 'rate' ? kept : n).sort();
  const result: LoadResult = {
    connected: conns.length,
    connectFailures: failures,
    connectMs: ms,
    acked: n,
    rate: n / secs,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    payloadBytes: payloads[0]?.[0]?.length ?? 0,
    errors,
    loadStalls: stalls,
    cpuUs: cpu.user + cpu.system,
  };
  if (spec.mode === 'rate') result.p99BySecond = Array.from(perSec, (xs) => Math.round(percentile(Float64Array.from(xs ?? []).sort(), 99)));
  if (spec.mode === 'hold') {
    process.stdout.write(`READY ${JSON.stringify(result)}\n`);
    const ping = setInterval(() => conns.forEach((c) => c.ping()), ((spec.keepaliveSec ?? 120) * 1000) / 2);
    await new Promise<void>((r) => createInterface({ input: process.stdin }).once('line', () => r()));
    clearInterval(ping);
    result.stillOpen = conns.filter((c) => c.open && !c.sock.destroyed).length;
  }
  for (const c of conns) c.sock.end(mqttPacket.generate({ cmd: 'disconnect' }));
  return result;
}

// Only as the entry point (the module is also bundled into benches that import its types).
if (process.argv[1]?.endsWith('mqtt-load.worker.js') && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: mqtt-load.worker.js <spec.json>\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as LoadSpec;
  run(spec).then(
    (r) => {
      process.stdout.write(`LOAD ${JSON.stringify(r)}\n`);
      setTimeout(() => process.exit(0), 200);
    },
    (e: Error) => {
      process.stderr.write(`load worker failed: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
