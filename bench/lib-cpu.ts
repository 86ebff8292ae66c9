// CPU accounting for the MQTT benches (Linux /proc): how much CPU each process on the box spends per
// message, so a throughput ratio can be read against what the machine's cores allow.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus } from 'node:os';

const TICK_US = 10_000; // USER_HZ = 100 on Linux

/** user + system CPU in µs from a /proc stat file (a process's or a thread's), or undefined when unreadable. */
function statCpuUs(file: string): number | undefined {
  try {
    const f = readFileSync(file, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_US;
  } catch {
    return undefined;
  }
}

/** user + system CPU of a process in µs, or undefined when it cannot be read. */
export function pidCpuUs(pid: number): number | undefined {
  return statCpuUs(`/proc/${pid}/stat`);
}

/** Pid of the process listening on TCP `port` (any local address), found through /proc; undefined if none is visible. */
export function pidListeningOn(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[1]!.endsWith(`:${hex}`) && c[3] === '0A') inodes.add(c[9]!); // 0A = LISTEN
    }
  }
  if (inodes.size === 0) return undefined;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(d);
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return undefined;
}

const portOf = (url: string | undefined): number | undefined => {
  const m = url ? /:(\d+)(?:[/,]|$)/.exec(url) : null;
  return m ? Number(m[1]) : undefined;
};

let pids: { kafka?: number; redis?: number } | undefined;

/** The stack's Kafka and Redis processes (from FW_KAFKA_BROKERS / FW_REDIS_URL), when visible; looked up once per bench. */
export function stackPids(): { kafka?: number; redis?: number } {
  if (pids) return pids;
  const k = portOf(process.env.FW_KAFKA_BROKERS);
  const r = portOf(process.env.FW_REDIS_URL);
  pids = { kafka: k ? pidListeningOn(k) : undefined, redis: r ? pidListeningOn(r) : undefined };
  return pids;
}

export interface CpuSplit {
  /** µs of CPU per message in each process; absent when not measured. */
  broker: number;
  load?: number;
  kafka?: number;
  redis?: number;
  /** Sum of the above. */
  total: number;
}

/**
 * Starts measuring: the broker process (`brokerPid`, default this process), Kafka and Redis. `stop(n, loadUs)`
 * divides by the `n` messages of the run; `loadUs` is the load generator's own CPU (LoadResult.cpuUs).
 */
export function cpuMeter(brokerPid?: number): { stop(n: number, loadUs?: number): CpuSplit } {
  const pids = stackPids();
  const self = () => {
    if (brokerPid !== undefined) return pidCpuUs(brokerPid) ?? 0;
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const b0 = self();
  const k0 = pids.kafka ? pidCpuUs(pids.kafka) : undefined;
  const r0 = pids.redis ? pidCpuUs(pids.redis) : undefined;
  return {
    stop(n, loadUs) {
      const per = (us: number | undefined) => (us === undefined || n === 0 ? undefined : us / n);
      const broker = per(self() - b0)!;
      const kafka = k0 === undefined ? undefined : per((pidCpuUs(pids.kafka!) ?? k0) - k0);
      const redis = r0 === undefined ? undefined : per((pidCpuUs(pids.redis!) ?? r0) - r0);
      const load = per(loadUs);
      return { broker, load, kafka, redis, total: broker + (load ?? 0) + (kafka ?? 0) + (redis ?? 0) };
    },
  };
}

/** Messages per second the box could carry if its cores did nothing but spend `usPerMsg` per message. */
export function cpuCeiling(usPerMsg: number): number {
  return (cpus().length * 1e6) / usPerMsg;
}

/**
 * Share of wall time this process's main thread spent on a CPU between start and stop (0..1), or undefined
 * off Linux. An event loop near 1 has no slack left: every burst then queues, which is what a p99 shows.
 */
export function mainThreadBusy(): { stop(): number | undefined } {
  const main = `/proc/${process.pid}/task/${process.pid}/stat`; // the main thread's tid is the pid
  const c0 = statCpuUs(main);
  const t0 = performance.now();
  return {
    stop() {
      const c1 = statCpuUs(main);
      if (c0 === undefined || c1 === undefined) return undefined;
      return (c1 - c0) / ((performance.now() - t0) * 1000);
    },
  };
}
