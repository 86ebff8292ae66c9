// Scenario g: access control. Wrong and expired credentials, a token of another device, publishing into
// another device's and another tenant's topics, subscribing to others' downlinks, and a connection
// flood from one IP: every attempt denied and counted in the gateway's /metrics; nothing reaches Kafka.
import { downlinkConfigTopic, uplinkBatchTopic } from '@fleetwire/proto';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { metricValue, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { connectMqtt, deviceToken } from '../helpers/mqtt-device.js';
import { createTopics, runNames, allTopics, deleteTopics } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { createKafka } from '@fleetwire/scoring';
import { saveResult } from './results.js';

const FLOOD = 300;

async function refused(url: string, user: string, pass: string): Promise<number | string> {
  try {
    const c = await connectMqtt(url, user, pass);
    await c.endAsync();
    return 'accepted';
  } catch (e) {
    return (e as { code?: number }).code ?? (e as Error).message;
  }
}

/** SUBSCRIBE one filter; the granted QoS (128 = refused; mqtt.js reports that as an error carrying the SUBACK). */
async function grantedQos(c: MqttClient, topic: string): Promise<number> {
  try {
    const g = await c.subscribeAsync(topic, { qos: 1 });
    return g[0]!.qos;
  } catch (e) {
    const granted = (e as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted;
    if (!granted) throw e;
    const q = granted[0]!;
    return typeof q === 'number' ? q : q.qos;
  }
}

/** Publishes QoS 1 and reports whether the gateway acknowledged it or closed the connection. */
function publishOutcome(c: MqttClient, topic: string): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    c.once('close', () => resolve('closed'));
    c.publish(topic, Buffer.from([1, 2, 3]), { qos: 1 }, (err) => (err ? resolve('closed') : resolve('acked')));
  });
}

export async function auth(stack: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq('ckg'));
  const kafka = createKafka({ brokers: stack.env.brokers, clientId: n.id });
  await createTopics(kafka, allTopics(n));
  const gw = await GatewayProcess.create(stack.env, n, { FW_GATEWAY_AUTH_BURST: '40', FW_GATEWAY_AUTH_REFILL_PER_SEC: '0.2' });
  try {
    const before = await gw.metrics();
    const a = `${n.id}-a`;
    const b = `${n.id}-b`;
    const other = `${n.tenant}x`;
    const codes: (number | string)[] = [];
    // Bad credentials: garbage, wrong signing secret, expired, another device's token, missing password.
    for (let i = 0; i < 5; i++) {
      codes.push(await refused(gw.url, a, `not-a-token-${i}`));
      codes.push(await refused(gw.url, a, deviceToken(n.tenant, a, 3600, 'some-other-secret-0123456789')));
      codes.push(await refused(gw.url, a, deviceToken(n.tenant, a, 60, undefined, Date.now() - 3600_000)));
      codes.push(await refused(gw.url, a, deviceToken(n.tenant, b)));
      codes.push(await refused(gw.url, a, deviceToken(other, a).replace(/\.[^.]+$/, '.AAAA')));
    }
    const badCreds = codes.length;
    // Valid device A misbehaving: publish into B's topic, into another tenant's topic; subscribe to B's downlink.
    const pubs: string[] = [];
    for (const topic of [
      uplinkBatchTopic(n.tenant, b),
      uplinkBatchTopic(other, a),
      `fw/${n.tenant}/${b}/up/json`,
      uplinkBatchTopic(n.tenant, a).replace('/up/', '/down/'),
    ]) {
      const c = await connectMqtt(gw.url, a, deviceToken(n.tenant, a));
      pubs.push(await publishOutcome(c, topic));
      c.end(true);
    }
    const c = await connectMqtt(gw.url, a, deviceToken(n.tenant, a));
    const subTopics = [downlinkConfigTopic(n.tenant, b), `fw/${n.tenant}/+/down/#`, 'fw/#', `fw/${other}/${a}/down/config`, '#'];
    const granted: number[] = [];
    for (const t of subTopics) granted.push(await grantedQos(c, t));
    const own = await grantedQos(c, downlinkConfigTopic(n.tenant, a));
    await c.endAsync();
    // Flood: FLOOD bad CONNECTs from 127.0.0.1 as fast as possible (20 at a time).
    const flood: (number | string)[] = [];
    for (let i = 0; i < FLOOD; i += 20) flood.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => refused(gw.url, `${n.id}-flood${i + j}`, 'x')))));
    const blockedValid = await refused(gw.url, a, deviceToken(n.tenant, a));
    const after = await gw.metrics();
    const delta = (name: string, labels = '') => metricValue(after, name, labels) - metricValue(before, name, labels);
    const authFailures = delta('fw_gateway_auth_failures_total');
    const rateLimited = delta('fw_gateway_auth_failures_total', 'reason="rate_limited"');
    const pubDenied = delta('fw_gateway_acl_denials_total', 'action="publish"');
    const subDenied = delta('fw_gateway_acl_denials_total', 'action="subscribe"');
    const admin = kafka.admin();
    await admin.connect();
    const reached = (await admin.fetchTopicOffsets(n.telemetry)).reduce((s, p) => s + Number(p.high), 0);
    await admin.disconnect();
    const reasons = after
      .split('\n')
      .filter((l) => l.startsWith('fw_gateway_auth_failures_total{'))
      .map((l) => l.replace('fw_gateway_auth_failures_total', '').trim())
      .join(', ');
    console.log(
      `[chaos g] ${JSON.stringify({ codes, pubs, granted, own, flood: [...new Set(flood)], blockedValid, authFailures, rateLimited, pubDenied, subDenied, reached, reasons })}`,
    );
    expect(codes.every((x) => x === 4 || x === 5)).toBe(true);
    expect(pubs).toEqual(['closed', 'closed', 'closed', 'closed']);
    expect(granted.every((q) => q === 128)).toBe(true);
    expect(own).toBe(1);
    expect(flood.every((x) => x === 4 || x === 5)).toBe(true);
    expect(flood.filter((x) => x === 5).length, 'flood rate-limited').toBeGreaterThan(FLOOD / 2);
    expect(blockedValid, 'the flooding IP stays blocked for a while').toBe(5);
    expect(authFailures).toBe(badCreds + FLOOD + 1);
    expect(rateLimited).toBeGreaterThan(FLOOD / 2);
    expect(pubDenied).toBe(4);
    expect(subDenied).toBe(subTopics.length);
    expect(reached, 'no denied publish reached Kafka').toBe(0);
    const inputs = badCreds + pubs.length + subTopics.length + FLOOD + 1;
    saveResult({
      name: 'g-auth',
      title: 'Wrong credentials, foreign topics, connection flood',
      fault: `${badCreds} bad CONNECTs (garbage, wrong secret, expired, other device's token, forged), 4 publishes and ${subTopics.length} subscriptions outside the device's topics, ${FLOOD} CONNECTs flooding from one IP`,
      load: '–',
      faultsSurvived: 0,
      inputs,
      ackedSamples: 0,
      storedSamples: 0,
      lost: 0,
      duplicates: 0,
      notes: `all denied (CONNACK 4/5, connection closed on publish, SUBACK 128) and counted: auth failures +${authFailures} (${rateLimited} rate-limited), ACL denials publish +${pubDenied}, subscribe +${subDenied}; 0 records reached Kafka`,
      wallMs: Date.now() - t0,
    });
  } finally {
    await gw.stop();
    await deleteTopics(kafka, allTopics(n));
  }
}
