// `fleetwire-sim run` flags -> runFleet options (recording, credentials, TLS files), shared by the CLI
// and by each worker thread of a multi-worker run (functions cannot cross threads: each side builds its own).
import { readFile } from 'node:fs/promises';
import { ConfigError, mintDeviceToken } from '@fleetwire/runtime';
import type { RunArgs } from './cli-args.js';
import { loadRecording } from './load-recording.js';
import type { Credentials, FleetOptions } from './runner.js';

export async function fleetOptionsFromArgs(a: RunArgs): Promise<FleetOptions> {
  const replay = a.replay ? await loadRecording(a.replay) : undefined;
  let credentialsFor: ((id: string, tenant: string) => Credentials) | undefined;
  if (a.tokenSecret) {
    const secret = a.tokenSecret;
    credentialsFor = (id, tenant) => ({ username: id, password: mintDeviceToken({ tenant, deviceId: id, secret, ttlSec: a.tokenTtlSec }) });
  } else if (a.password !== undefined) {
    const tpl = a.password;
    credentialsFor = (id, tenant) => ({ username: id, password: tpl.replaceAll('{id}', id).replaceAll('{tenant}', tenant) });
  }
  const tls: NonNullable<FleetOptions['client']>['tls'] = {};
  if (a.ca)
    tls.ca = await readFile(a.ca).catch((e: Error) =>
      Promise.reject(new ConfigError(`cannot read --ca ${a.ca}: ${e.message}`, { setting: '--ca', value: a.ca })),
    );
  if (a.insecure) tls.rejectUnauthorized = false;
  return {
    devices: a.devices,
    speedup: a.speedup,
    durationMs: a.durationMs,
    gatewayUrl: a.gateway,
    tenant: a.tenant,
    tenants: a.tenants,
    dataDir: a.dataDir,
    credentialsFor,
    replay,
    churn: a.churn,
    offlineMs: a.offlineMs,
    seed: a.seed,
    deviceIdPrefix: a.prefix,
    profileMix: a.profiles,
    accelRateHz: a.accelHz,
    gpsRateHz: a.gpsHz,
    city: a.centre ? { centre: a.centre } : undefined,
    drainTimeoutMs: a.drainTimeoutMs,
    client: Object.keys(tls).length > 0 ? { tls } : undefined,
  };
}
