// MQTT over TCP and TLS (node:net / node:tls) feeding aedes.handle.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Aedes } from 'aedes';
import type { Transport } from '../broker/uplink-pipeline.js';

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

function listen(server: net.Server, host: string, port: number, what: string): Promise<SocketServer> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`cannot listen on ${host}:${port} (${what}): ${e.message}`)));
    server.listen(port, host, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

function attach(broker: Aedes, transport: Transport) {
  return (socket: net.Socket) => {
    (socket as net.Socket & { fwTransport?: Transport }).fwTransport = transport;
    socket.setNoDelay(true);
    broker.handle(socket);
  };
}

export function startTcp(broker: Aedes, host: string, port: number): Promise<SocketServer> {
  return listen(net.createServer(attach(broker, 'tcp')), host, port, 'MQTT/TCP');
}

export function startTls(broker: Aedes, host: string, port: number, files: TlsFiles): Promise<SocketServer> {
  const opts: tls.TlsOptions = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  if (files.caFile) opts.ca = readFileSync(files.caFile);
  const server = tls.createServer(opts, attach(broker, 'tls'));
  server.on('tlsClientError', () => undefined); // handshake failures: nothing to clean up
  return listen(server, host, port, 'MQTT/TLS');
}
