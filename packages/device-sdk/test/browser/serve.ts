// Serves the browser test: the page and worker bundles (esbuild, from source), sqlite3.wasm beside them
// and a token endpoint standing in for the app backend (mints short-lived device tokens).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { refuseNode } from '../bundle/bundle-entry.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const protoSrc = fileURLToPath(new URL('../../../../proto/src/index.ts', import.meta.url));

export interface TestSite {
  url: string;
  dir: string;
  tokensIssued: number;
  close(): Promise<void>;
}

/** Bundles page-main.ts and worker-main.ts for the browser and serves them on 127.0.0.1. */
export async function serveTestSite(mintToken: () => string): Promise<TestSite> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-site-'));
  for (const [name, entry] of [['page.js', 'page-main.ts'], ['worker.js', 'worker-main.ts']] as const) {
    await build({
      entryPoints: [here(`./${entry}`)],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: path.join(dir, name),
      alias: { '@fleetwire/proto': protoSrc },
      plugins: [refuseNode()],
      logLevel: 'silent',
    });
  }
  const wasm = createRequire(import.meta.url).resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm');
  fs.copyFileSync(wasm, path.join(dir, 'sqlite3.wasm'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>fleetwire test</title><script type="module" src="./page.js"></script>\n');
  const types: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
  const site: TestSite = {
    url: '',
    dir,
    tokensIssued: 0,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/token') {
      site.tokensIssued++;
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(mintToken());
      return;
    }
    const file = path.join(dir, path.normalize(u.pathname === '/' ? '/index.html' : u.pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return site;
}
