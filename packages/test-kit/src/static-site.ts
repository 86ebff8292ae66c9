// A static web site on 127.0.0.1 (http: a secure context for OPFS, Web Crypto and sensors) with extra
// routes, e.g. a token endpoint standing in for an app backend. For browser tests and benches.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Serves the files of `dir` (index.html for /) and `routes` by exact path; anything else is a 404. */
export async function serveStatic(dir: string, routes: Record<string, Route> = {}): Promise<StaticSite> {
  const root = path.resolve(dir);
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const route = routes[u.pathname];
    if (route) return route(req, res);
    const file = path.join(root, path.normalize(u.pathname === '/' ? '/index.html' : decodeURIComponent(u.pathname)));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(fs.readFileSync(file));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
