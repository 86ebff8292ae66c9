// Serves the browser test: the page and worker bundles (esbuild, from source), sqlite3.wasm beside them
// and a token endpoint standing in for the app backend (mints short-lived device tokens).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@fleetwire/test-kit';
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
  for (const [name, entry] of [
    ['page.js', 'page-main.ts'],
    ['worker.js', 'worker-main.ts'],
  ] as const) {
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
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>fleetwire test</title><script type="module" src="./page.js"></script>\n',
  );
  let tokensIssued = 0;
  const site = await serveStatic(dir, {
    '/token': (_req, res) => {
      tokensIssued++;
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(mintToken());
    },
  });
  return {
    url: site.url,
    dir,
    get tokensIssued() {
      return tokensIssued;
    },
    close: () => site.close(),
  };
}
