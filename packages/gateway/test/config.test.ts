import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { pickSubprotocol } from '../src/adapters/listeners/http-ws.js';

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
    [{}, ['--bogus', '1'], /unknown flag --bogus/],
    [{}, ['--mqtt-port'], /needs a value/],
    [{ FW_GATEWAY_REGISTRY_SCHEMA: 'Bad-Name' }, [], /FW_GATEWAY_REGISTRY_SCHEMA/],
  ] as const)('rejects %j %j', (env, argv, msg) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, argv)).toThrow(msg);
  });
  it('negotiates the MQTT WebSocket subprotocol', () => {
    expect(pickSubprotocol('mqtt')).toBe('mqtt');
    expect(pickSubprotocol('foo, MQTT')).toBe('mqtt');
    expect(pickSubprotocol('mqttv3.1')).toBe('mqttv3.1');
    expect(pickSubprotocol('')).toBeUndefined();
    expect(pickSubprotocol('chat')).toBeNull();
  });
});
