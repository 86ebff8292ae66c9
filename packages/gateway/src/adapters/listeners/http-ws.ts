// One uWebSockets.js app: MQTT over WebSocket on `path` (default /mqtt), plus /healthz, /readyz, /metrics.
// With `tls` it is a uWS SSLApp: https + wss on the same port.
import { resolve as resolvePath } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import uws, { type AppOptions, type TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { Aedes } from 'aedes';
import { ConfigError, FleetwireError } from '@fleetwire/runtime';
import { checkTlsPem } from '../../config.js';
import type { TlsFiles } from './tcp.js';
import { tagConnection } from '../broker/session-state.js';
import { UwsDuplex } from './uws-duplex.js';

/** uWS' LIBUS_LISTEN_EXCLUSIVE_PORT listen option (no SO_REUSEPORT). */
const EXCLUSIVE_PORT = 1;

export interface HttpWsOptions {
  host: string;
  port: number;
  path?: string;
  broker: Aedes;
  isReady: () => boolean;
  /** The /readyz body's reason when not ready. */
  notReadyReason?: () => string | null;
  /** /metrics body; may be asynchronous (a worker asking the primary for every worker's metrics). */
  renderMetrics: () => string | Promise<string>;
  /** Share the port with other processes (SO_REUSEPORT; the kernel spreads connections): gateway workers. */
  reusePort?: boolean;
  maxPayloadLength?: number;
  /** Serve https + wss (uWS SSLApp) with these PEM files. Bad files reject with ConfigError. */
  tls?: TlsFiles;
  /** Take the client address from the rightmost X-Forwarded-For entry (set it only behind a proxy that adds one). */
  trustForwardedFor?: boolean;
  /** WebSocket upgrades must arrive with a PROXY protocol v2 header (uWS parses it); its address is the client's. */
  proxyProtocol?: boolean;
  /** Called for each upgrade refused for lacking the PROXY header. */
  onProxyReject?: (transport: 'ws' | 'wss', reason: string) => void;
}

/** The address the nearest proxy saw: the rightmost X-Forwarded-For entry, if it is an IP address. */
export function forwardedFor(header: string): string | null {
  const last = header.split(',').pop()?.trim() ?? '';
  return net.isIP(last) ? last : null;
}

export interface HttpWsServer {
  port: number;
  /** true when the port serves https + wss. */
  tls: boolean;
  /** Stop accepting new HTTP/WebSocket connections. */
  stopAccepting(): void;
  /** Close open WebSockets. */
  closeAll(): void;
}

interface WsData {
  ip: string;
  duplex?: UwsDuplex<WsData>;
}

/** Picks the MQTT subprotocol from the client's offer: "mqtt" (3.1.1/5) or "mqttv3.1". */
export function pickSubprotocol(header: string): string | null | undefined {
  if (header.trim() === '') return undefined; // none offered: accept without one
  const offered = header.split(',').map((s) => s.trim().toLowerCase());
  if (offered.includes('mqtt')) return 'mqtt';
  if (offered.includes('mqttv3.1')) return 'mqttv3.1';
  return null; // offered only others: refuse
}

/**
 * Checks the PEM files with node's TLS stack (uWS itself only says "App construction failed") and returns
 * the uWS SSLApp options with absolute paths (uSockets opens them relative to the process cwd).
 * Throws ConfigError.
 */
export function uwsTlsOptions(files: TlsFiles): AppOptions {
  checkTlsPem(files);
  const options: AppOptions = { cert_file_name: resolvePath(files.certFile), key_file_name: resolvePath(files.keyFile) };
  if (files.caFile) options.ca_file_name = resolvePath(files.caFile);
  return options;
}

/** Completes one TLS handshake against our own listener (certificate not verified: only that TLS works). */
export function probeTlsHandshake(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: target, port, rejectUnauthorized: false, servername: net.isIP(target) ? undefined : target });
    const done = (err?: Error) => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    s.once('secureConnect', () => done());
    s.once('error', (e) => done(e));
  });
}

function createApp(files: TlsFiles | undefined): TemplatedApp {
  if (!files) return uws.App();
  const options = uwsTlsOptions(files); // node's TLS stack names the problem; uWS only says "App construction failed"
  try {
    return uws.SSLApp(options);
  } catch (e) {
    const ca = files.caFile ? ` / FW_GATEWAY_TLS_CA=${JSON.stringify(files.caFile)}` : '';
    throw new ConfigError(
      `wss: uWebSockets.js cannot load FW_GATEWAY_TLS_CERT=${JSON.stringify(files.certFile)} / FW_GATEWAY_TLS_KEY=${JSON.stringify(files.keyFile)}${ca}: ${(e as Error).message}`,
    );
  }
}

export async function startHttpWs(o: HttpWsOptions): Promise<HttpWsServer> {
  const app = createApp(o.tls);
  const open = new Set<UwsDuplex<WsData>>();
  const textIp = (buf: ArrayBuffer) => Buffer.from(buf).toString('utf8');

  app.ws<WsData>(o.path ?? '/mqtt', {
    compression: uws.DISABLED,
    maxPayloadLength: o.maxPayloadLength ?? 1024 * 1024,
    maxBackpressure: 8 * 1024 * 1024,
    idleTimeout: 0, // MQTT keepalive is handled by aedes
    upgrade: (res, req, context) => {
      const proto = pickSubprotocol(req.getHeader('sec-websocket-protocol'));
      if (proto === null) {
        res.writeStatus('400 Bad Request').end('MQTT over WebSocket needs the "mqtt" subprotocol');
        return;
      }
      let ip = textIp(res.getRemoteAddressAsText());
      if (o.proxyProtocol) {
        const proxied = textIp(res.getProxiedRemoteAddressAsText());
        if (!proxied) {
          o.onProxyReject?.(o.tls ? 'wss' : 'ws', 'no PROXY protocol v2 header');
          res.writeStatus('400 Bad Request').end('a PROXY protocol v2 header is required on this port');
          return;
        }
        ip = proxied;
      } else if (o.trustForwardedFor) {
        ip = forwardedFor(req.getHeader('x-forwarded-for')) ?? ip;
      }
      res.upgrade<WsData>({ ip }, req.getHeader('sec-websocket-key'), proto ?? '', req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const data = ws.getUserData();
      const d = new UwsDuplex<WsData>(ws, data.ip);
      // Label of the connection in metrics and TelemetryRecord.transport: 'wss' when the uWS app is an SSLApp.
      tagConnection(d, { transport: o.tls ? 'wss' : 'ws' });
      data.duplex = d;
      open.add(d);
      d.on('close', () => open.delete(d));
      o.broker.handle(d);
    },
    message: (ws, msg) => ws.getUserData().duplex?.onMessage(msg),
    drain: (ws) => ws.getUserData().duplex?.onDrain(),
    close: (ws) => {
      const d = ws.getUserData().duplex;
      if (d) {
        open.delete(d);
        d.onClose();
      }
    },
  });

  app.get('/healthz', (res) => {
    res.writeHeader('content-type', 'text/plain').end('ok\n');
  });
  app.get('/readyz', (res) => {
    if (o.isReady()) res.writeHeader('content-type', 'text/plain').end('ready\n');
    else
      res
        .writeStatus('503 Service Unavailable')
        .writeHeader('content-type', 'text/plain')
        .end(`not ready: ${o.notReadyReason?.() ?? 'unknown'}\n`);
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    Promise.resolve()
      .then(() => o.renderMetrics())
      .then(
        (body) => !aborted && res.cork(() => res.writeHeader('content-type', 'text/plain; version=0.0.4').end(body)),
        (e: Error) => !aborted && res.cork(() => res.writeStatus('503 Service Unavailable').end(`metrics unavailable: ${e.message}\n`)),
      );
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').end('not found\n');
  });

  let closed = false;
  const what = o.tls ? 'HTTPS/WSS' : 'HTTP/WebSocket';
  const server = await new Promise<HttpWsServer>((resolve, reject) => {
    // uWS sets SO_REUSEPORT unless told otherwise: a second gateway on the same port would then quietly
    // take half of the WebSocket clients and /metrics scrapes. Exclusive, a taken port is an error.
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (token: unknown) => void) => void;
    // Workers of one gateway (serve --processes) share the port on purpose: SO_REUSEPORT.
    listen.call(app, o.host, o.port, o.reusePort ? 0 : EXCLUSIVE_PORT, (token) => {
      if (!token) return reject(new FleetwireError('listen_failed', `cannot listen on ${o.host}:${o.port} (${what})`));
      resolve({
        port: uws.us_socket_local_port(token as never),
        tls: !!o.tls,
        stopAccepting: () => {
          if (closed) return;
          closed = true;
          uws.us_listen_socket_close(token);
        },
        closeAll: () => {
          for (const d of open) d.destroy();
          open.clear();
        },
      });
    });
  });
  if (o.tls) {
    // The files loaded; prove a TLS handshake really completes before we report the port as serving.
    try {
      await probeTlsHandshake(o.host, server.port);
    } catch (e) {
      server.stopAccepting();
      throw new Error(`wss: TLS self-check on ${o.host}:${server.port} failed: ${(e as Error).message}`);
    }
  }
  return server;
}
