// Bytes on the wire between a device and the gateway: a TCP proxy on 127.0.0.1 that counts what passes
// each way (TCP payload bytes: MQTT, or WebSocket frames, or TLS records; no IP/TCP headers), and for
// plain MQTT over TCP parses both streams with mqtt-packet to split MQTT payload from MQTT framing.
import net from 'node:net';
import { load } from './lib.js';

export interface MqttTally {
  /** Bytes of PUBLISH payloads (the encoded batches). */
  publishPayload: number;
  /** Packets by type (publish, puback, connect, subscribe, pingreq, ...). */
  packets: Record<string, number>;
}

export interface WireTally {
  up: number;
  down: number;
  connections: number;
  /** Only when the proxy parses MQTT (plain mqtt://). */
  mqttUp?: MqttTally;
  mqttDown?: MqttTally;
}

export interface CountingProxy {
  port: number;
  tally: WireTally;
  /** Starts counting afresh (connections already open keep being counted). */
  reset(): void;
  close(): Promise<void>;
}

const emptyMqtt = (): MqttTally => ({ publishPayload: 0, packets: {} });

export async function countingProxy(targetPort: number, o: { parseMqtt?: boolean } = {}): Promise<CountingProxy> {
  const mqttPacket = o.parseMqtt ? (await load('mqtt-packet')).default : null;
  const fresh = (): WireTally => ({ up: 0, down: 0, connections: 0, ...(o.parseMqtt ? { mqttUp: emptyMqtt(), mqttDown: emptyMqtt() } : {}) });
  const p: CountingProxy = { port: 0, tally: fresh(), reset: () => void (p.tally = fresh()), close: async () => undefined };
  const sockets = new Set<net.Socket>();
  const parser = (pick: () => MqttTally | undefined) => {
    if (!mqttPacket) return null;
    const pa = mqttPacket.parser({ protocolVersion: 4 });
    pa.on('packet', (pkt: { cmd: string; payload?: Uint8Array }) => {
      const t = pick();
      if (!t) return;
      t.packets[pkt.cmd] = (t.packets[pkt.cmd] ?? 0) + 1;
      if (pkt.cmd === 'publish' && pkt.payload) t.publishPayload += pkt.payload.length;
    });
    pa.on('error', () => undefined);
    return pa;
  };
  const server = net.createServer((client) => {
    p.tally.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const upParser = parser(() => p.tally.mqttUp);
    const downParser = parser(() => p.tally.mqttDown);
    client.on('data', (d: Buffer) => {
      p.tally.up += d.length;
      upParser?.parse(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      p.tally.down += d.length;
      downParser?.parse(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.port = (server.address() as net.AddressInfo).port;
  p.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return p;
}
