import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@fleetwire/runtime';
import { loadConfig } from '../src/config.js';
import { pickSubprotocol } from '../src/adapters/listeners/http-ws.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-gw-config-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const notPem = join(dir, 'not-pem.txt');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
  stdio: 'ignore',
});
writeFileSync(notPem, 'not a key\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  it('reads env and flags, flags winning', () => {
    const c = loadConfig(
      { FW_KAFKA_BROKERS: 'a:1,b:2', FW_GATEWAY_MQTT_PORT: '1999', FW_GATEWAY_TOKEN_SECRET: 'x'.repeat(16), FW_GATEWAY_TOPIC_TELEMETRY: 't.v1' },
      ['--mqtt-port', '2000', '--http-port=off', '--cluster', '--redis-url', 'redis://h:1'],
    );
    expect(c.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(c.mqttPort).toBe(2000);
    expect(c.httpPort).toBeNull();
    expect(c.cluster).toBe(true);
    expect(c.topics).toEqual({ telemetry: 't.v1', deadletter: 'fw.deadletter.v1' });
  });
  it.each([
    [{ FW_GATEWAY_MQTT_PORT: 'abc' }, [], /FW_GATEWAY_MQTT_PORT="abc"/],
    [{ FW_GATEWAY_MQTT_PORT: '70000' }, [], /0\.\.65535/],
    [{ FW_KAFKA_BROKERS: 'nohostport' }, [], /FW_KAFKA_BROKERS: "nohostport"/],
    [{ FW_REDIS_URL: 'http://x' }, [], /FW_REDIS_URL/],
    [{ FW_GATEWAY_TOKEN_SECRET: 'short' }, [], /at least 16/],
    [{ FW_GATEWAY_TLS_CERT: '/nope.pem', FW_GATEWAY_TLS_KEY: '/nope.key' }, [], /FW_GATEWAY_TLS_CERT="\/nope.pem": file does not exist/],
    [{ FW_GATEWAY_TLS_CERT: '/nope.pem' }, [], /set together/],
    [{ FW_GATEWAY_CLUSTER: 'true' }, [], /needs FW_REDIS_URL/],
    [{ FW_GATEWAY_WS_TLS: 'true' }, [], /FW_GATEWAY_WS_TLS=true \(wss\) needs FW_GATEWAY_TLS_CERT and FW_GATEWAY_TLS_KEY/],
    [{}, ['--ws-tls'], /FW_GATEWAY_WS_TLS=true \(wss\) needs FW_GATEWAY_TLS_CERT/],
    [{ FW_GATEWAY_WS_TLS: 'maybe' }, [], /FW_GATEWAY_WS_TLS="maybe": expected true\/false/],
    [{}, ['--ws-tls', '--tls-cert', '/nope.pem'], /set together/],
    [{}, ['--bogus', '1'], /unknown flag --bogus/],
    [{}, ['--mqtt-port'], /needs a value/],
    [{ FW_GATEWAY_REGISTRY_SCHEMA: 'Bad-Name' }, [], /FW_GATEWAY_REGISTRY_SCHEMA/],
  ] as const)('rejects %j %j', (env, argv, msg) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, argv)).toThrow(msg);
  });
  it('reads the replication of created topics: auto by default, integers from env and flags, bad values named', () => {
    expect(loadConfig({}, [])).toMatchObject({ kafkaReplicationFactor: 'auto', kafkaMinInsyncReplicas: 'auto' });
    expect(loadConfig({ FW_KAFKA_REPLICATION_FACTOR: '3', FW_KAFKA_MIN_INSYNC_REPLICAS: '2' }, [])).toMatchObject({
      kafkaReplicationFactor: 3,
      kafkaMinInsyncReplicas: 2,
    });
    expect(loadConfig({ FW_KAFKA_REPLICATION_FACTOR: '3' }, ['--kafka-replication-factor=auto', '--kafka-min-insync-replicas', '1'])).toMatchObject({
      kafkaReplicationFactor: 'auto',
      kafkaMinInsyncReplicas: 1,
    });
    expect(() => loadConfig({ FW_KAFKA_REPLICATION_FACTOR: 'three' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ FW_KAFKA_REPLICATION_FACTOR: '0' }, [])).toThrow(/FW_KAFKA_REPLICATION_FACTOR="0": expected "auto" or an integer/);
    expect(() => loadConfig({ FW_KAFKA_REPLICATION_FACTOR: '2', FW_KAFKA_MIN_INSYNC_REPLICAS: '3' }, [])).toThrow(
      /FW_KAFKA_MIN_INSYNC_REPLICAS=3 > FW_KAFKA_REPLICATION_FACTOR=2/,
    );
  });
  it('reads wsTls from env and flag (default off)', () => {
    expect(loadConfig({}, []).wsTls).toBe(false);
    expect(loadConfig({ FW_GATEWAY_WS_TLS: 'off' }, []).wsTls).toBe(false);
    const tls = { FW_GATEWAY_TLS_CERT: cert, FW_GATEWAY_TLS_KEY: key };
    expect(loadConfig({ ...tls, FW_GATEWAY_WS_TLS: 'true' }, []).wsTls).toBe(true);
    expect(loadConfig(tls, ['--ws-tls']).wsTls).toBe(true);
    expect(loadConfig(tls, ['--ws-tls', '--mqtt-port', '1']).wsTls).toBe(true);
    expect(loadConfig({ ...tls, FW_GATEWAY_WS_TLS: '1' }, ['--ws-tls=false']).wsTls).toBe(false);
  });
  it('checks the TLS files are a usable certificate/key pair', () => {
    const bad = { FW_GATEWAY_TLS_CERT: cert, FW_GATEWAY_TLS_KEY: notPem };
    expect(() => loadConfig({ ...bad, FW_GATEWAY_WS_TLS: 'true', FW_GATEWAY_TLS_PORT: 'off' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ ...bad, FW_GATEWAY_WS_TLS: 'true', FW_GATEWAY_TLS_PORT: 'off' }, [])).toThrow(
      /FW_GATEWAY_TLS_CERT=".*cert\.pem" \/ FW_GATEWAY_TLS_KEY=".*not-pem\.txt": not a usable certificate\/key: /,
    );
    expect(() => loadConfig(bad, [])).toThrow(/not a usable certificate\/key/); // the MQTT/TLS listener (default port) uses them too
    expect(() => loadConfig({ FW_GATEWAY_TLS_CERT: cert, FW_GATEWAY_TLS_KEY: dir, FW_GATEWAY_TLS_PORT: 'off', FW_GATEWAY_WS_TLS: 'yes' }, [])).toThrow(
      /FW_GATEWAY_TLS_KEY=".*": cannot read: EISDIR/,
    );
  });
  it('negotiates the MQTT WebSocket subprotocol', () => {
    expect(pickSubprotocol('mqtt')).toBe('mqtt');
    expect(pickSubprotocol('foo, MQTT')).toBe('mqtt');
    expect(pickSubprotocol('mqttv3.1')).toBe('mqttv3.1');
    expect(pickSubprotocol('')).toBeUndefined();
    expect(pickSubprotocol('chat')).toBeNull();
  });
});
