#!/usr/bin/env node
// fleetwire gateway CLI:
//   serve [--flags]                      run the gateway (env FW_* or flags, see README); --processes N: N workers on the same ports
//   push-config --tenant t --device d [--url mqtt://127.0.0.1:1883] [--partner ops]
//               [--version n] [--batch-interval-ms n] [--batch-max-bytes n] [--gps-rate-hz n] [--accel-rate-hz n]
//               [--harsh-braking-mg n] [--harsh-acceleration-mg n] [--harsh-cornering-mg n] [--speed-limit-cms n]
//               password from FW_GATEWAY_PARTNER_PASSWORD, else a token minted with FW_GATEWAY_TOKEN_SECRET
//   mint-token --tenant t --device d [--ttl-sec n]     print a device token (FW_GATEWAY_TOKEN_SECRET)
//   hash-secret <secret>                               print a scrypt hash for gateway_devices/gateway_partners
import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './gateway.js';
import { hashSecret } from './core/secret-hash.js';
import { mintDeviceToken } from './core/token.js';
import { pushConfig } from './push-config.js';
import { runPrimary, runWorker } from './processes.js';
import cluster from 'node:cluster';

function flags(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(`${a} needs a value`);
      m.set(a.slice(2), v);
    }
  }
  return m;
}

function int(f: Map<string, string>, k: string): number | undefined {
  const v = f.get(k);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ConfigError(`--${k}=${JSON.stringify(v)}: expected a non-negative integer`);
  return Number(v);
}

function required(f: Map<string, string>, k: string): string {
  const v = f.get(k);
  if (!v) throw new ConfigError(`--${k} is required`);
  return v;
}

const CONFIG_FLAGS: Record<string, string> = {
  version: 'version',
  'batch-interval-ms': 'batchIntervalMs',
  'batch-max-bytes': 'batchMaxBytes',
  'gps-rate-hz': 'gpsRateHz',
  'accel-rate-hz': 'accelRateHz',
  'harsh-braking-mg': 'harshBrakingMg',
  'harsh-acceleration-mg': 'harshAccelerationMg',
  'harsh-cornering-mg': 'harshCorneringMg',
  'speed-limit-cms': 'speedLimitCms',
};

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve': {
      const cfg = loadConfig(process.env, rest);
      if (cfg.processes > 1 && cluster.isPrimary) {
        await runPrimary(cfg);
        return;
      }
      const gw = cluster.isWorker ? await runWorker(cfg) : await startGateway(cfg);
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${sig}: draining\n`);
        gw.close().then(
          () => process.exit(0),
          (e: Error) => {
            process.stderr.write(`shutdown failed: ${e.message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      return;
    }
    case 'push-config': {
      const f = flags(rest);
      const config: Record<string, number> = {};
      for (const [flag, field] of Object.entries(CONFIG_FLAGS)) {
        const v = int(f, flag);
        if (v !== undefined) config[field] = v;
      }
      if (config.version === undefined) config.version = Date.now();
      const known = new Set([...Object.keys(CONFIG_FLAGS), 'tenant', 'device', 'url', 'partner']);
      for (const k of f.keys()) if (!known.has(k)) throw new ConfigError(`unknown flag --${k}`);
      const r = await pushConfig({
        url: f.get('url') ?? process.env.FW_GATEWAY_URL ?? 'mqtt://127.0.0.1:1883',
        tenant: required(f, 'tenant'),
        deviceId: required(f, 'device'),
        partner: f.get('partner'),
        password: process.env.FW_GATEWAY_PARTNER_PASSWORD,
        tokenSecret: process.env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0],
        config,
      });
      process.stdout.write(`${JSON.stringify({ ...r, config })}\n`);
      return;
    }
    case 'mint-token': {
      const f = flags(rest);
      const secret = process.env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0];
      if (!secret) throw new ConfigError('FW_GATEWAY_TOKEN_SECRET is required');
      process.stdout.write(`${mintDeviceToken({ tenant: required(f, 'tenant'), deviceId: required(f, 'device'), secret, ttlSec: int(f, 'ttl-sec') ?? 86400 })}\n`);
      return;
    }
    case 'hash-secret': {
      if (!rest[0]) throw new ConfigError('hash-secret <secret>');
      process.stdout.write(`${await hashSecret(rest[0])}\n`);
      return;
    }
    default:
      process.stderr.write('usage: fw-gateway serve|push-config|mint-token|hash-secret (see README)\n');
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e instanceof ConfigError ? 'config error' : 'error'}: ${e.message}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
