// MQTT over TCP and TLS (node:net / node:tls) feeding aedes.handle. Optionally behind a load balancer that
// speaks the PROXY protocol: the header is read first (before the TLS handshake on the TLS port), and the
// client address it names is what authentication rate-limits by.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { FleetwireError } from '@fleetwire/runtime';
import type { Aedes } from 'aedes';
import { tagConnection } from '../broker/session-state.js';
import type { Transport } from '../broker/uplink-pipeline.js';
import { readProxyHeader } from './proxy-socket.js';

export interface SocketServer {
  port: number;
  /** Stop accepting; existing connections are closed by the broker. */
  close(): Promise<void>;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

export interface ListenerOptions {
  /** Every connection must start with a PROXY protocol v1 or v2 header; connections without one are closed. */
  proxyProtocol?: boolean;
  /** How long a connection may take to send its PROXY header. Default 5000. */
  proxyHeaderTimeoutMs?: number;
  /** Called for each connection closed because of its PROXY header. */
  onProxyReject?: (transport: Transport, reason: string) => void;
}

function listen(server: net.Server, host: string, port: number, what: string): Promise<SocketServer> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new FleetwireError('listen_failed', `cannot listen on ${host}:${port} (${what}): ${e.message}`, { cause: e })));
    server.listen(port, host, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

function handOver(broker: Aedes, socket: net.Socket, transport: Transport, proxiedFrom?: string | null): void {
  tagConnection(socket, proxiedFrom ? { transport, proxiedFrom } : { transport });
  socket.setNoDelay(true);
  broker.handle(socket);
}

/** Reads the PROXY header, then runs `next` with the client address; closes the socket if the header is bad. */
function withProxyHeader(transport: Transport, o: ListenerOptions, next: (socket: net.Socket, source: string | null) => void) {
  return (socket: net.Socket) => {
    readProxyHeader(socket, o.proxyHeaderTimeoutMs ?? 5000).then(
      (source) => next(socket, source),
      (e: Error) => {
        o.onProxyReject?.(transport, e.message);
        socket.destroy();
      },
    );
  };
}

export function startTcp(broker: Aedes, host: string, port: number, o: ListenerOptions = {}): Promise<SocketServer> {
  const onConnection = o.proxyProtocol
    ? withProxyHeader('tcp', o, (socket, source) => handOver(broker, socket, 'tcp', source))
    : (socket: net.Socket) => handOver(broker, socket, 'tcp');
  return listen(net.createServer(onConnection), host, port, o.proxyProtocol ? 'MQTT/TCP, PROXY protocol' : 'MQTT/TCP');
}

export function startTls(broker: Aedes, host: string, port: number, files: TlsFiles, o: ListenerOptions = {}): Promise<SocketServer> {
  const opts: tls.TlsOptions = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  if (files.caFile) opts.ca = readFileSync(files.caFile);
  if (!o.proxyProtocol) {
    const server = tls.createServer(opts, (socket) => handOver(broker, socket, 'tls'));
    server.on('tlsClientError', () => undefined); // handshake failures: nothing to clean up
    return listen(server, host, port, 'MQTT/TLS');
  }
  // The load balancer passes TLS through: the PROXY header comes in clear, then the handshake.
  const secureContext = tls.createSecureContext(opts);
  const server = net.createServer(
    withProxyHeader('tls', o, (raw, source) => {
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
      const timer = setTimeout(() => socket.destroy(), 30_000); // handshake bound, as tls.Server has
      socket.once('secure', () => {
        clearTimeout(timer);
        handOver(broker, socket, 'tls', source);
      });
      socket.once('error', () => {
        clearTimeout(timer);
        socket.destroy(); // handshake failure: nothing to clean up
      });
    }),
  );
  return listen(server, host, port, 'MQTT/TLS, PROXY protocol');
}
