// Scenario h: subscribers that stop reading (an MQTT/TCP partner and an MQTT/WebSocket partner, both
// subscribed to every downlink of the tenant) while a partner pushes megabytes of downlinks and a fleet
// uplinks. The gateway must keep acknowledging everyone else, lose nothing, and keep its memory bounded.
import { downlinkConfigTopic } from '@fleetwire/proto';
import mqttPacket from 'mqtt-packet';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { sleep, uniq } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { connectMqtt, deviceToken } from '../helpers/mqtt-device.js';
import { runNames, startScorer } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, tenantNote, settle } from './fleet-load.js';
import { saveResult } from './results.js';

const DOWNLINKS = 3000;
const SIZE = 2048;

/** A raw MQTT-over-WebSocket partner that subscribes and then never reads its socket again. */
async function stalledWsSubscriber(url: string, user: string, pass: string, filter: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'mqtt');
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const connack = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  ws.send(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: `${user}-ws`,
      keepalive: 0,
      username: user,
      password: Buffer.from(pass),
    }),
  );
  await connack;
  ws.send(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] }));
  await sleep(200);
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  return ws;
}

export async function slowConsumers(stack: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq('ckh'));
  const sc = await startScorer(stack.env, n);
  const gw = await GatewayProcess.create(stack.env, n);
  const partner = (name: string) => ({ user: `partner:${name}`, pass: deviceToken(n.tenant, `partner:${name}`) });
  const filter = `fw/${n.tenant}/+/down/#`;
  const closers: (() => void)[] = [];
  let pubClient: { end(force: boolean): unknown } | null = null;
  try {
    const slowTcp = await connectMqtt(gw.url, partner('slowtcp').user, partner('slowtcp').pass);
    await slowTcp.subscribeAsync(filter, { qos: 1 });
    (slowTcp.stream as unknown as { pause(): void }).pause();
    closers.push(() => slowTcp.end(true));
    const ws = await stalledWsSubscriber(`ws://127.0.0.1:${gw.httpPort}/mqtt`, partner('slowws').user, partner('slowws').pass, filter);
    closers.push(() => ws.terminate());
    const pub = await connectMqtt(gw.url, partner('ops').user, partner('ops').pass);
    pubClient = pub;
    const rss: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await gw.rss();
        if (r) rss.push(r);
        await sleep(300);
      }
    })();
    const load = runLoad(gw.url, n, { devices: 4, speedup: 60, simulatedMs: 12 * 60_000, drainTimeoutMs: 60_000 });
    const body = Buffer.alloc(SIZE, 7);
    const pt0 = Date.now();
    let pubAcked = 0;
    let pubDoneMs = -1;
    const publishing = (async () => {
      for (let i = 0; i < DOWNLINKS; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, DOWNLINKS - i) }, (_, j) =>
            pub.publishAsync(downlinkConfigTopic(n.tenant, `dev${(i + j) % 20}`), body, { qos: 1 }).then(() => void pubAcked++),
          ),
        );
      }
      pubDoneMs = Date.now() - pt0;
    })();
    const summary = await load;
    const acct = await settle(sc.db, n, summary, 60_000);
    if (acct.lost > 0) await explainLoss(sc, n, summary, acct);
    // Give the downlink publisher until 25 s after it started, then drop the stalled subscribers.
    await Promise.race([publishing, sleep(Math.max(0, 25_000 - (Date.now() - pt0)))]);
    const ackedWhileStalled = pubAcked;
    const stalledMs = Date.now() - pt0;
    for (const c of closers.splice(0)) c();
    await Promise.race([publishing, sleep(30_000)]);
    const pubMs = pubDoneMs >= 0 ? pubDoneMs : Date.now() - pt0;
    sampling = false;
    await sampler;
    const peak = Math.max(...rss);
    const base = rss[0] ?? 0;
    console.log(
      `[chaos h] ${JSON.stringify({ pubMs, ackedWhileStalled, stalledMs, downlinkMiB: (DOWNLINKS * SIZE) / 2 ** 20, rssBase: base, rssPeak: peak, wsOpen: ws.readyState === WebSocket.OPEN, tcpOpen: slowTcp.connected, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost, complete: summary.complete })}`,
    );
    expect(summary.complete).toBe(true);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    // Uplinks (the fleet above) never wait for subscribers. Downlink fan-out waits for a subscriber's
    // socket to drain, bounded by the gateway's client drain timeout (10 s): the stalled subscribers
    // are disconnected and every downlink is acknowledged within the 25 s window.
    const downlinkStall = ackedWhileStalled < DOWNLINKS;
    expect(pubAcked, 'every downlink acknowledged once the stalled subscribers are gone').toBe(DOWNLINKS);
    expect(ackedWhileStalled, 'downlink fan-out is not held up past the client drain timeout').toBe(DOWNLINKS);
    expect(peak - base, 'gateway memory growth while 2 subscribers are stalled').toBeLessThan(200 * 2 ** 20);
    saveResult({
      name: 'h-slow-consumers',
      title: 'Stalled MQTT/TCP and MQTT/WebSocket subscribers',
      fault: `2 partners subscribed to every downlink stop reading their sockets; ${DOWNLINKS} downlinks of ${SIZE} B (${((DOWNLINKS * SIZE) / 2 ** 20).toFixed(1)} MiB each way) pushed at them`,
      load: `${summary.devices} devices uplinking alongside, ${fmtCount(summary.sentSamples)} samples`,
      faultsSurvived: 2,
      inputs: DOWNLINKS,
      ...counted(summary, acct),
      notes:
        `uplinks unaffected (every sample acknowledged and stored); gateway RSS ${(base / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB; ${downlinkStall ? `downlink fan-out stalled behind stalled subscribers: only ${ackedWhileStalled}/${DOWNLINKS} downlink PUBACKs in ${(stalledMs / 1000).toFixed(0)} s, the rest within ${((pubMs - stalledMs) / 1000).toFixed(1)} s after they were dropped` : `downlink publisher got all ${DOWNLINKS} PUBACKs in ${(pubMs / 1000).toFixed(1)} s (stalled subscribers dropped by the 10 s client drain timeout)`}` +
        tenantNote(acct) +
        scorerNote(sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    for (const c of closers) c();
    pubClient?.end(true);
    await gw.stop();
    await sc.stop();
  }
}
