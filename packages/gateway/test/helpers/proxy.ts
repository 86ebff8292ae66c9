// PROXY protocol headers for tests, and an MQTT client that connects through one.
import net from 'node:net';
import tls from 'node:tls';
import { MqttClient, type IClientOptions } from 'mqtt';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v2 header: command 1 = PROXY, 0 = LOCAL; family 1 = IPv4, 2 = IPv6. */
export function v2Header(o: { cmd?: number; fam?: number; src?: number[]; tlv?: Buffer } = {}): Buffer {
  const fam = o.fam ?? 1;
  const addrLen = fam === 1 ? 12 : fam === 2 ? 36 : 0;
  const addr = Buffer.alloc(addrLen);
  if (fam === 1) Buffer.from(o.src ?? [203, 0, 113, 7]).copy(addr, 0);
  if (fam === 2) Buffer.from(o.src ?? [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).copy(addr, 0);
  const body = Buffer.concat([addr, o.tlv ?? Buffer.alloc(0)]);
  const head = Buffer.from([0x20 | (o.cmd ?? 1), (fam << 4) | 1, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, head, body]);
}

/** v1 header line for an IPv4 client. */
export const v1Header = (src: string) => `PROXY TCP4 ${src} 127.0.0.1 40000 1883\r\n`;

export type ProxiedOutcome = { ok: true; client: MqttClient } | { ok: false; code: number | undefined; closed: boolean };

/**
 * Connects mqtt.js to `port` as if through a load balancer: `header` goes first on the raw TCP connection,
 * then (with `tlsOpts`) the TLS handshake, then MQTT. Resolves with the client, or with the refusal.
 */
export function connectViaProxy(port: number, header: string | Buffer, opts: IClientOptions, tlsOpts?: tls.ConnectionOptions): Promise<ProxiedOutcome> {
  return new Promise((resolve) => {
    const client = new MqttClient(
      () => {
        const raw = net.connect(port, '127.0.0.1');
        raw.write(header);
        return tlsOpts ? tls.connect({ ...tlsOpts, socket: raw }) : raw;
      },
      { protocolVersion: 4, protocolId: 'MQTT', keepalive: 30, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...opts },
    );
    let settled = false;
    const settle = (o: ProxiedOutcome) => {
      if (settled) return;
      settled = true;
      if (!o.ok) client.end(true);
      resolve(o);
    };
    client.on('connect', () => settle({ ok: true, client }));
    client.on('error', (e: Error & { code?: number }) => settle({ ok: false, code: typeof e.code === 'number' ? e.code : undefined, closed: false }));
    client.on('close', () => settle({ ok: false, code: undefined, closed: true }));
  });
}
