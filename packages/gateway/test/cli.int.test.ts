// The built CLI (dist/cli.js): mint-token and push-config against a gateway on real sockets, and
// flag/config errors. `npm test` builds before running tests.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { downlinkConfigTopic, fleetwire } from '@fleetwire/proto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { freePort, quiet, SECRET, waitFor } from './helpers/fixtures.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const exec = promisify(execFile);
let gw: Gateway;
let url: string;

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await exec(process.execPath, [cli, ...args], { env: { ...process.env, FW_GATEWAY_TOKEN_SECRET: SECRET, ...env }, timeout: 30_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} missing: build first (npm run build -w @fleetwire/gateway)`);
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    sink: new MemorySink(),
    tokenSecrets: [SECRET],
    logger: pino(quiet),
  });
  url = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
});
afterAll(async () => {
  await gw?.close();
});

describe('fw-gateway CLI', () => {
  it('a token from mint-token logs the device in, and push-config reaches its downlink', async () => {
    const minted = await run(['mint-token', '--tenant', 'acme', '--device', 'cli-dev-1', '--ttl-sec', '600']);
    expect(minted.code).toBe(0);
    const token = minted.out.trim();
    expect(token).toMatch(/^v1\./);
    const dev = await mqtt.connectAsync(url, { username: 'cli-dev-1', password: token, clientId: 'cli-dev-1', reconnectPeriod: 0 });
    const got: fleetwire.v1.DeviceConfig[] = [];
    dev.on('message', (_t, payload) => got.push(fleetwire.v1.DeviceConfig.decode(payload)));
    await dev.subscribeAsync(downlinkConfigTopic('acme', 'cli-dev-1'), { qos: 1 });
    const pushed = await run(['push-config', '--url', url, '--tenant', 'acme', '--device', 'cli-dev-1', '--version', '7', '--batch-interval-ms', '2000']);
    expect(pushed.code, pushed.err).toBe(0);
    await waitFor(() => got.length > 0, 10_000, 'the pushed config');
    expect(got[0]!.version).toBe(7);
    expect(got[0]!.batchIntervalMs).toBe(2000);
    await dev.endAsync();
  });

  it('serve exits 1 when another gateway process holds its HTTP/WebSocket port, instead of sharing it', async () => {
    // uWS sets SO_REUSEPORT unless asked not to: the kernel would then split WebSocket clients and /metrics
    // scrapes between the two processes. (A port the kernel picked, port 0, is never shared: use a fixed one.)
    const holder = await startGateway({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: await freePort(),
      tlsPort: null,
      sink: new MemorySink(),
      tokenSecrets: [SECRET],
      logger: pino(quiet),
    });
    try {
      const port = holder.ports.http!;
      const env = {
        FW_GATEWAY_HOST: '127.0.0.1',
        FW_GATEWAY_MQTT_PORT: '0',
        FW_GATEWAY_TLS_PORT: '',
        FW_GATEWAY_HTTP_PORT: String(port),
        FW_KAFKA_BROKERS: '127.0.0.1:1',
      };
      const second = await run(['serve'], env);
      expect(second.code, second.err).toBe(1);
      expect(second.err).toContain(`cannot listen on 127.0.0.1:${port} (HTTP/WebSocket)`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await holder.close();
    }
  });

  it('rejects unknown flags, missing secrets and commands with exit 2 and a reason', async () => {
    const badFlag = await run(['push-config', '--tenant', 'acme', '--device', 'd', '--colour', 'red']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain('unknown flag --colour');
    const noSecret = await run(['mint-token', '--tenant', 'acme', '--device', 'd'], { FW_GATEWAY_TOKEN_SECRET: '' });
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toContain('FW_GATEWAY_TOKEN_SECRET');
    const badServe = await run(['serve', '--mqtt-port', 'seventy']);
    expect(badServe.code).toBe(2);
    expect(badServe.err).toMatch(/config error: .*mqtt-port/);
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});
