// Real Postgres registry: a session whose account is disabled or removed after login is closed at the next
// re-check, others stay, and the revoked account can't log straight back in from the verification cache.
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { registryDdl } from '../src/adapters/pg/registry.js';
import { hashSecret } from '../src/core/secret-hash.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { connectRefused, quiet, SECRET } from './helpers/fixtures.js';
import { stackEnv, uniq } from './helpers/kafka.js';

const env = stackEnv();
const schema = uniq('gwrevoke_');
const TENANT = 'acme';
let pool: pg.Pool;
let gw: Gateway;
let url: string;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  await pool.query(registryDdl(schema));
  for (const d of ['rev-1', 'rev-2']) {
    await pool.query(`INSERT INTO ${schema}.gateway_devices (tenant, device_id, secret_hash) VALUES ($1, $2, $3)`, [
      TENANT,
      d,
      await hashSecret(`secret-${d}`),
    ]);
  }
  await pool.query(`INSERT INTO ${schema}.gateway_partners (tenant, username, secret_hash) VALUES ($1, $2, $3)`, [
    TENANT,
    'ops',
    await hashSecret('secret-ops'),
  ]);
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    sink: new MemorySink(),
    tokenSecrets: [SECRET],
    databaseUrl: env.databaseUrl,
    registrySchema: schema,
    registryRecheckSec: 1,
    logger: pino(quiet),
  });
  url = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
});
afterAll(async () => {
  await gw?.close();
  await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool?.end();
});

const login = (username: string, password: string) => ({ username, password, clientId: username, reconnectPeriod: 0, connectTimeout: 5000 });

describe('registry sessions', () => {
  it('closes the sessions of a disabled device and a removed partner at the next re-check; others stay', async () => {
    const rev1 = await mqtt.connectAsync(url, login('rev-1', 'secret-rev-1'));
    const rev2 = await mqtt.connectAsync(url, login('rev-2', 'secret-rev-2'));
    const ops = await mqtt.connectAsync(url, login('partner:ops', 'secret-ops'));
    const closed = (c: mqtt.MqttClient) => new Promise<void>((r) => c.once('close', () => r()));
    const gone = Promise.all([closed(rev1), closed(ops)]);

    await pool.query(`UPDATE ${schema}.gateway_devices SET enabled = false WHERE device_id = 'rev-1'`);
    await pool.query(`DELETE FROM ${schema}.gateway_partners WHERE username = 'ops'`);
    const t0 = Date.now();
    await gone;
    expect(Date.now() - t0).toBeLessThan(5000); // re-check every 1 s
    expect(rev2.connected).toBe(true);
    const line = gw.metrics.registry
      .render()
      .split('\n')
      .find((l) => l.startsWith('fw_gateway_sessions_revoked_total'));
    expect(Number(line?.split(' ')[1])).toBe(2);

    // The verification cache (30 s) was dropped: the revoked accounts can't log back in from it.
    expect((await connectRefused(url, login('rev-1', 'secret-rev-1'))).code).toBe(4);
    expect((await connectRefused(url, login('partner:ops', 'secret-ops'))).code).toBe(4);
    await new Promise((r) => setTimeout(r, 1500)); // another re-check: rev-2 is still fine
    expect(rev2.connected).toBe(true);
    await rev2.endAsync();
  });
});
