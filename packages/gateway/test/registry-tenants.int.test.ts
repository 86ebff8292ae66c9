// Real Postgres registry, real MQTT: one device id registered in two tenants. The secret decides the account:
// each device logs into its own tenant and its uplink lands under that tenant's key; a secret that opens the
// id in both tenants names no tenant and is refused.
import { identityKey, uplinkBatchTopic } from '@fleetwire/proto';
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../src/adapters/memory-sink.js';
import { registryDdl } from '../src/adapters/pg/registry.js';
import { hashSecret } from '../src/core/secret-hash.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { batchBytes, connectRefused, quiet, SECRET } from './helpers/fixtures.js';
import { stackEnv, uniq } from './helpers/kafka.js';

const env = stackEnv();
const schema = uniq('gwtenants_');
let pool: pg.Pool;
let gw: Gateway;
let url: string;
const sink = new MemorySink();

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  await pool.query(registryDdl(schema));
  const add = async (tenant: string, device: string, secret: string) =>
    pool.query(`INSERT INTO ${schema}.gateway_devices (tenant, device_id, secret_hash) VALUES ($1, $2, $3)`, [tenant, device, await hashSecret(secret)]);
  await add('acme', 'truck-1', 'acme-secret-1');
  await add('globex', 'truck-1', 'globex-secret-1');
  await add('acme', 'truck-2', 'factory-default');
  await add('globex', 'truck-2', 'factory-default');
  gw = await startGateway({
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: null,
    tlsPort: null,
    sink,
    tokenSecrets: [SECRET],
    databaseUrl: env.databaseUrl,
    registrySchema: schema,
    logger: pino(quiet),
  });
  url = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
});
afterAll(async () => {
  await gw?.close();
  await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool?.end();
});

describe('registry logins of one device id in two tenants', () => {
  it('each secret logs into its own tenant; uplinks are keyed by that tenant', async () => {
    for (const [tenant, secret] of [
      ['acme', 'acme-secret-1'],
      ['globex', 'globex-secret-1'],
    ] as const) {
      const c = await mqtt.connectAsync(url, { username: 'truck-1', password: secret, clientId: `truck-1-${tenant}`, reconnectPeriod: 0 });
      await c.publishAsync(uplinkBatchTopic(tenant, 'truck-1'), Buffer.from(batchBytes('truck-1', 1, `boot-${tenant}`)), { qos: 1 });
      // The other tenant's topic is not this device's: the gateway drops the connection.
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(uplinkBatchTopic(tenant === 'acme' ? 'globex' : 'acme', 'truck-1'), Buffer.from(batchBytes('truck-1', 2, 'x')), { qos: 1 });
      await closed;
      c.end(true);
    }
    expect(sink.telemetry.map((r) => r.key).sort()).toEqual([identityKey('acme', 'truck-1'), identityKey('globex', 'truck-1')]);
  });

  it('refuses a secret that opens the id in both tenants (CONNACK 4)', async () => {
    expect((await connectRefused(url, { username: 'truck-2', password: 'factory-default' })).code).toBe(4);
  });
});
