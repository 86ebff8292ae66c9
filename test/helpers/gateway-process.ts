// The gateway as a child process (node packages/gateway/dist/cli.js serve), so a test can SIGKILL it,
// restart it on the same ports and sample its RSS. Needs `npm run build` (npm test does it first).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, rssOf, until, type StackEnv } from './env.js';
import { TOKEN_SECRET, type RunNames } from './pipeline.js';

export const GATEWAY_CLI = fileURLToPath(new URL('../../packages/gateway/dist/cli.js', import.meta.url));

const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export class GatewayProcess {
  child: ChildProcess | null = null;
  log = '';
  starts = 0;

  private constructor(
    readonly env: StackEnv,
    readonly names: RunNames,
    readonly mqttPort: number,
    readonly httpPort: number,
    readonly extraEnv: Record<string, string>,
  ) {}

  static async create(env: StackEnv, names: RunNames, extraEnv: Record<string, string> = {}): Promise<GatewayProcess> {
    if (!existsSync(GATEWAY_CLI)) throw new Error(`${GATEWAY_CLI} is missing: run npm run build (or npx tsup in packages/gateway)`);
    const g = new GatewayProcess(env, names, await freePort(), await freePort(), extraEnv);
    await g.start();
    return g;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.mqttPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [GATEWAY_CLI, 'serve'], {
      env: {
        PATH: process.env.PATH,
        FW_KAFKA_BROKERS: this.env.brokers.join(','),
        FW_REDIS_URL: this.env.redisUrl,
        FW_GATEWAY_TOKEN_SECRET: TOKEN_SECRET,
        FW_GATEWAY_HOST: '127.0.0.1',
        FW_GATEWAY_MQTT_PORT: String(this.mqttPort),
        FW_GATEWAY_HTTP_PORT: String(this.httpPort),
        FW_GATEWAY_TLS_PORT: 'off',
        FW_GATEWAY_TOPIC_TELEMETRY: this.names.telemetry,
        FW_GATEWAY_TOPIC_DEADLETTER: this.names.deadletter,
        FW_KAFKA_CREATE_TOPICS: 'false',
        FW_LOG_LEVEL: 'warn',
        ...this.extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await until(
      `gateway child on :${this.mqttPort}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${this.log.slice(-2000)}`);
        return tcpOpen(this.mqttPort);
      },
      30_000,
      100,
    );
  }

  /** SIGKILL: no drain, no goodbye. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM: graceful drain. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
  }

  rss(): Promise<number | null> {
    return this.child?.pid ? rssOf(this.child.pid) : Promise.resolve(null);
  }

  async metrics(): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/metrics`);
    return r.text();
  }

  async ready(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.httpPort}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }
}
