// The Chromium side of the SDK benches: bundles bench/browser/page.ts and worker.ts with esbuild against
// the SDK's built browser and worker entries (what an app ships), serves them with sqlite3.wasm and a
// token endpoint on 127.0.0.1 (a secure context), and runs one page per measurement in headless Debian
// Chromium (playwright-core, executablePath; scripts/ensure-chromium installs it when missing).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveStatic } from '@fleetwire/test-kit';
import { load } from './lib.js';

// bench/dist/<bench>.js at run time: the page sources stay TypeScript in bench/browser/.
const browserSrc = fileURLToPath(new URL('../browser/', import.meta.url));

export interface BenchBrowser {
  /** Opens `?query` in a new page and resolves with window.bench.result (rejects on failure or timeout). */
  run(query: Record<string, string | number>, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startBenchBrowser(o: { mintToken(deviceId: string): string; batch?: Uint8Array }): Promise<BenchBrowser> {
  const { build } = await load('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-site-'));
  for (const [entry, out] of [
    ['page.ts', 'page.js'],
    ['worker.ts', 'worker.js'],
  ]) {
    await build({
      entryPoints: [path.join(browserSrc, entry!)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: path.join(dir, out!),
      logLevel: 'warning',
    });
  }
  fs.copyFileSync(createRequire(import.meta.url).resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'), path.join(dir, 'sqlite3.wasm'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>fleetwire bench</title><script type="module" src="./page.js"></script>\n',
  );
  const site = await serveStatic(dir, {
    '/token': (req, res) => {
      const device = new URL(req.url ?? '/', 'http://x').searchParams.get('device') ?? '';
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(o.mintToken(device));
    },
    '/batch.bin': (_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(o.batch ?? new Uint8Array()),
  });
  const browser = await launchChromium();
  return {
    async run(query, timeoutMs = 120_000) {
      const page = await browser.context.newPage();
      const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      try {
        await page.goto(`${site.url}/?${qs}`);
        const h = await page.waitForFunction(
          () => {
            const b = (globalThis as unknown as { bench?: { done: boolean; failed: string | null } }).bench;
            return b && (b.done || b.failed) ? b : null;
          },
          undefined,
          { timeout: timeoutMs, polling: 50 },
        );
        const b = (await h.jsonValue()) as unknown as { failed: string | null; result: Record<string, unknown> };
        if (b.failed) throw new Error(`page ${qs}: ${b.failed}`);
        return b.result;
      } finally {
        await page.close();
      }
    },
    async close() {
      await browser.close();
      await site.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
