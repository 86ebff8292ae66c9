// Headless Debian Chromium driven by playwright-core (no browser download): the executable comes from
// FW_CHROMIUM, the usual Debian paths, or scripts/ensure-chromium (installs the Debian package when
// missing). Shared by the device SDK's browser test, the web-recorder example test and the bench.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';

// src/chromium.ts and the built dist/index.js are both three levels below the repository root.
const ensure = fileURLToPath(new URL('../../../scripts/ensure-chromium', import.meta.url));

export function chromiumPath(): string {
  if (process.env.FW_CHROMIUM) return process.env.FW_CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (fs.existsSync(p)) return p;
  return execFileSync('bash', [ensure], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface ChromiumOptions {
  /** Trust certificates the browser cannot verify (a gateway's self-signed test certificate for wss://). */
  ignoreHTTPSErrors?: boolean;
}

/** A persistent profile (OPFS survives closing every page) in a fresh user-data-dir, removed on close(). */
export async function launchChromium(o: ChromiumOptions = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    ...(o.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
