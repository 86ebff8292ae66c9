#!/usr/bin/env node
// fleetwire gateway CLI: serve | push-config | mint-token | hash-secret. Every command answers --help with
// its options, generated from its option table (serve: config.ts OPTIONS; the others: below). serve --processes N
// runs N workers on the same ports (processes.ts).
import { ConfigError, mintDeviceToken, parseArgs, renderHelp, wantsHelp, type OptionTable } from '@fleetwire/runtime';
import { defaultConfig, loadConfig, OPTIONS } from './config.js';
import { startGateway } from './gateway.js';
import { hashSecret } from './core/secret-hash.js';
import { pushConfig } from './push-config.js';
import { runPrimary, runWorker } from './processes.js';
import cluster from 'node:cluster';

const USAGE = `usage: fw-gateway <command> [options]   (fw-gateway <command> --help for its options)
  serve          run the gateway (env FW_* or flags)
  push-config    publish a DeviceConfig to one device (retained, QoS 1), as a partner
  mint-token     print a device token signed with FW_GATEWAY_TOKEN_SECRET
  hash-secret    print a scrypt hash for gateway_devices / gateway_partners`;

const SERVE_FOOTER = `also from the environment only:
  FW_GATEWAY_TOKEN_SECRET_PREVIOUS  secrets still accepted after a rotation (comma-separated)
  FW_GATEWAY_TOPIC_TELEMETRY        Kafka topic of accepted uplinks (default ${defaultConfig().topics.telemetry})
  FW_GATEWAY_TOPIC_DEADLETTER       Kafka topic of dead letters (default ${defaultConfig().topics.deadletter})
exit codes: 0 after a graceful shutdown (SIGINT/SIGTERM), 1 runtime failure, 2 bad configuration`;

type ConfigField =
  | 'version'
  | 'batchIntervalMs'
  | 'batchMaxBytes'
  | 'gpsRateHz'
  | 'accelRateHz'
  | 'harshBrakingMg'
  | 'harshAccelerationMg'
  | 'harshCorneringMg'
  | 'speedLimitCms';

/** push-config: the DeviceConfig fields it can set, as flags. */
const CONFIG_FLAGS: OptionTable<ConfigField> = [
  { key: 'version', flag: 'version', kind: 'int', help: 'config version (default: now in ms)' },
  { key: 'batchIntervalMs', flag: 'batch-interval-ms', kind: 'int', help: 'upload a batch at least this often' },
  { key: 'batchMaxBytes', flag: 'batch-max-bytes', kind: 'int', help: 'seal a batch at this size' },
  { key: 'gpsRateHz', flag: 'gps-rate-hz', kind: 'int', help: 'GPS sampling rate' },
  { key: 'accelRateHz', flag: 'accel-rate-hz', kind: 'int', help: 'accelerometer sampling rate' },
  { key: 'harshBrakingMg', flag: 'harsh-braking-mg', kind: 'int', help: 'edge harsh-braking threshold' },
  { key: 'harshAccelerationMg', flag: 'harsh-acceleration-mg', kind: 'int', help: 'edge harsh-acceleration threshold' },
  { key: 'harshCorneringMg', flag: 'harsh-cornering-mg', kind: 'int', help: 'edge harsh-cornering threshold' },
  { key: 'speedLimitCms', flag: 'speed-limit-cms', kind: 'int', help: 'edge speeding threshold (cm/s)' },
];

const PUSH_OPTIONS: OptionTable<ConfigField | 'tenant' | 'device' | 'url' | 'partner'> = [
  { key: 'tenant', flag: 'tenant', kind: 'str', help: 'tenant of the device (required)' },
  { key: 'device', flag: 'device', kind: 'str', help: 'device id (required)' },
  { key: 'url', flag: 'url', env: 'FW_GATEWAY_URL', kind: 'str', help: 'gateway URL: mqtt://, mqtts://, ws://, wss://', shows: 'mqtt://127.0.0.1:1883' },
  { key: 'partner', flag: 'partner', kind: 'str', help: 'partner account (username partner:<name>)', shows: 'ops' },
  ...CONFIG_FLAGS,
];
const PUSH_FOOTER = `password: FW_GATEWAY_PARTNER_PASSWORD, else a 5-minute partner token minted with FW_GATEWAY_TOKEN_SECRET
prints {"topic","bytes","config"} as JSON; exit codes: 0 published, 1 failure, 2 bad arguments`;

const MINT_OPTIONS: OptionTable<'tenant' | 'device' | 'ttlSec'> = [
  { key: 'tenant', flag: 'tenant', kind: 'str', help: 'tenant (required)' },
  { key: 'device', flag: 'device', kind: 'str', help: 'device id, or partner:<name> for a partner token (required)' },
  { key: 'ttlSec', flag: 'ttl-sec', kind: 'int', help: 'lifetime in seconds', shows: '86400' },
];

const HELP: Record<string, () => string> = {
  serve: () =>
    renderHelp({
      usage: 'usage: fw-gateway serve [options]\n  run the gateway: MQTT (TCP, TLS, WebSocket) -> validation -> Kafka, PUBACK after the Kafka ack',
      table: OPTIONS,
      defaults: defaultConfig(),
      footer: SERVE_FOOTER,
    }),
  'push-config': () =>
    renderHelp({
      usage:
        'usage: fw-gateway push-config --tenant T --device D [options]\n  publish a DeviceConfig to fw/<tenant>/<device>/down/config (QoS 1, retained) through a gateway',
      table: PUSH_OPTIONS,
      footer: PUSH_FOOTER,
    }),
  'mint-token': () =>
    renderHelp({
      usage: 'usage: fw-gateway mint-token --tenant T --device D [--ttl-sec N]\n  print a device token signed with the first FW_GATEWAY_TOKEN_SECRET',
      table: MINT_OPTIONS,
      footer: 'exit codes: 0 printed, 2 bad arguments or no secret',
    }),
  'hash-secret': () =>
    renderHelp({
      usage: 'usage: fw-gateway hash-secret <secret>\n  print a scrypt hash of <secret> for the secret_hash column of gateway_devices / gateway_partners',
    }),
};

function required(v: unknown, flag: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(`--${flag} is required`, { setting: `--${flag}` });
  return v;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    if (cmd !== undefined) return void process.stdout.write(`${USAGE}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const help = HELP[cmd];
  if (help && wantsHelp(rest)) {
    process.stdout.write(help());
    return;
  }
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
      const f = parseArgs(PUSH_OPTIONS, rest).values;
      const config: Partial<Record<ConfigField, number>> = {};
      for (const o of CONFIG_FLAGS) if (f[o.key] !== undefined) config[o.key] = f[o.key] as number;
      if (config.version === undefined) config.version = Date.now();
      const r = await pushConfig({
        url: (f.url as string | undefined) ?? (process.env.FW_GATEWAY_URL || 'mqtt://127.0.0.1:1883'),
        tenant: required(f.tenant, 'tenant'),
        deviceId: required(f.device, 'device'),
        partner: f.partner as string | undefined,
        password: process.env.FW_GATEWAY_PARTNER_PASSWORD,
        tokenSecret: process.env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0],
        config,
      });
      process.stdout.write(`${JSON.stringify({ ...r, config })}\n`);
      return;
    }
    case 'mint-token': {
      const f = parseArgs(MINT_OPTIONS, rest).values;
      const secret = process.env.FW_GATEWAY_TOKEN_SECRET?.split(',')[0];
      if (!secret) throw new ConfigError('FW_GATEWAY_TOKEN_SECRET is required', { setting: 'FW_GATEWAY_TOKEN_SECRET' });
      process.stdout.write(
        `${mintDeviceToken({ tenant: required(f.tenant, 'tenant'), deviceId: required(f.device, 'device'), secret, ttlSec: (f.ttlSec as number | undefined) ?? 86400 })}\n`,
      );
      return;
    }
    case 'hash-secret': {
      if (!rest[0]) throw new ConfigError('hash-secret <secret>');
      process.stdout.write(`${await hashSecret(rest[0])}\n`);
      return;
    }
    default:
      process.stderr.write(`unknown command ${JSON.stringify(cmd)}\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e instanceof ConfigError ? 'config error' : 'error'}: ${e.message}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
