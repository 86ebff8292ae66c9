// Reads a PROXY protocol header off a freshly accepted socket, leaving the bytes after it unread for the
// next reader (aedes, or a TLS socket wrapped around it).
import type net from 'node:net';
import { FleetwireError } from '@fleetwire/runtime';
import { parseProxyHeader } from '../../core/proxy-protocol.js';

/** A connection's PROXY protocol header is missing, malformed or late (the socket is closed). */
export class ProxyHeaderError extends FleetwireError<'proxy_header_invalid'> {
  override readonly name = 'ProxyHeaderError';
  constructor(message: string) {
    super('proxy_header_invalid', message);
  }
}

/**
 * Resolves with the client address the header names (null for LOCAL / UNKNOWN, e.g. a load balancer's
 * health check). Rejects (the caller destroys the socket) on a missing or malformed header, on close, or when
 * no complete header arrived within `timeoutMs`.
 */
export function readProxyHeader(socket: net.Socket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (err: Error | null, source: string | null = null) => {
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onError);
      if (err) reject(err);
      else resolve(source);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        const h = parseProxyHeader(buf);
        if (h.state === 'partial') continue;
        if (h.state === 'invalid') return done(new ProxyHeaderError(h.reason));
        const rest = buf.subarray(h.length);
        if (rest.length > 0) socket.unshift(rest);
        return done(null, h.source);
      }
    };
    const onClose = () => done(new ProxyHeaderError('connection closed before its PROXY header'));
    const onError = (e: Error) => done(e);
    const timer = setTimeout(() => done(new ProxyHeaderError(`no PROXY header within ${timeoutMs} ms`)), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}
