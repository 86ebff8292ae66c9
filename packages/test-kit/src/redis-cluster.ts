// A private Redis Cluster (3 masters + 3 replicas on loopback) started by `scripts/stack redis-cluster up`,
// for tests that need a real cluster and kill its nodes.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export class RedisClusterStack {
  constructor(
    readonly dir = '/tmp/fw-redis-cluster',
    readonly basePort = 17001,
  ) {}

  /** The three masters as created (seed nodes for a client): host:port. */
  get nodes(): string[] {
    return [0, 1, 2].map((i) => `127.0.0.1:${this.basePort + i}`);
  }

  get ports(): number[] {
    return [0, 1, 2, 3, 4, 5].map((i) => this.basePort + i);
  }

  private async stack(cmd: 'up' | 'down'): Promise<string> {
    const env = { ...process.env, FW_STACK_DIR: this.dir, FW_STACK_REDIS_CLUSTER_PORT: String(this.basePort) };
    const r = await run('bash', [join(REPO, 'scripts/stack'), 'redis-cluster', cmd], { env, cwd: REPO, timeout: 120_000 });
    return r.stdout + r.stderr;
  }

  /** Starts the nodes that are not running (a killed node comes back with its identity); waits for cluster_state:ok. */
  up(): Promise<string> {
    return this.stack('up');
  }

  down(): Promise<string> {
    return this.stack('down');
  }

  /** Pid of the node on `port`, from its pid file. */
  pid(port: number): number | undefined {
    const f = join(this.dir, 'redis-cluster', `${port}.pid`);
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }

  /** Slot -> port of its master right now (from CLUSTER NODES of the first live node). */
  async masters(): Promise<(slot: number) => number> {
    for (const p of this.ports) {
      try {
        const { stdout } = await run('redis-cli', ['-p', String(p), 'cluster', 'nodes'], { timeout: 5000 });
        const ranges: [number, number, number][] = [];
        for (const line of stdout.split('\n')) {
          const f = line.split(' ');
          if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
          const port = Number(f[1]!.split(':')[1]!.split('@')[0]);
          for (const r of f.slice(8)) {
            const [a, b] = r.split('-').map(Number);
            if (Number.isFinite(a)) ranges.push([a!, b ?? a!, port]);
          }
        }
        if (ranges.length === 0) continue;
        return (slot) => {
          const r = ranges.find(([a, b]) => slot >= a && slot <= b);
          if (!r) throw new Error(`slot ${slot} has no live master`);
          return r[2];
        };
      } catch {
        /* try the next node */
      }
    }
    throw new Error('no live cluster node answered CLUSTER NODES');
  }

  /** The node serving `slot` as master right now. */
  async masterOf(slot: number): Promise<number> {
    return (await this.masters())(slot);
  }

  /** SIGKILL the node on `port`. */
  kill(port: number): void {
    const pid = this.pid(port);
    if (pid) process.kill(pid, 'SIGKILL');
  }
}
