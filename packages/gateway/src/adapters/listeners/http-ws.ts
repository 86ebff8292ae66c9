// One uWebSockets.js app: MQTT over WebSocket on `path` (default /mqtt), plus /healthz, /readyz, /metrics.
import uws from '@trufflesuite/uws-js-unofficial';
import type { Aedes } from 'aedes';
import { UwsDuplex } from './uws-duplex.js';

export interface HttpWsOptions {
  host: string;
  port: number;
  path?: string;
  broker: Aedes;
  isReady: () => boolean;
  renderMetrics: () => string;
  maxPayloadLength?: number;
}

export interface HttpWsServer {
  port: number;
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

export function startHttpWs(o: HttpWsOptions): Promise<HttpWsServer> {
  const app = uws.App();
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
      res.upgrade<WsData>(
        { ip: textIp(res.getRemoteAddressAsText()) },
        req.getHeader('sec-websocket-key'),
        proto ?? '',
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const d = new UwsDuplex<WsData>(ws, data.ip);
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
    else res.writeStatus('503 Service Unavailable').writeHeader('content-type', 'text/plain').end('not ready\n');
  });
  app.get('/metrics', (res) => {
    res.writeHeader('content-type', 'text/plain; version=0.0.4').end(o.renderMetrics());
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').end('not found\n');
  });

  let closed = false;
  return new Promise((resolve, reject) => {
    app.listen(o.host, o.port, (token) => {
      if (!token) return reject(new Error(`cannot listen on ${o.host}:${o.port} (HTTP/WebSocket)`));
      resolve({
        port: uws.us_socket_local_port(token as never),
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
}
