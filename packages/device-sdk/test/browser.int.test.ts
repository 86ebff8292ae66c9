// The SDK in a real browser: headless Debian Chromium runs the browser bundle with the client in a
// dedicated Worker over the OPFS outbox (sqlite-wasm, opfs-sahpool), publishing over ws:// to the real
// gateway (child process, Kafka sink). The page is crashed mid-stream (the renderer, and with it the
// worker, dies) and opened again: every recorded sample reaches Kafka, counted once by
// (device_id, boot_id, seq). Also: recording while offline, then the network comes; and the storage
// conformance suite over the OPFS adapter.
import net from 'node:net';
import { freePort, launchChromium, until } from '@fleetwire/test-kit';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tapDevice } from './browser/kafka-sink.js';
import { serveTestSite, type TestSite } from './browser/serve.js';
import { type RealGateway, startRealGateway } from './helpers/real-gateway.js';
import { checkComplete, dedupe, sampleIndexes } from './helpers/samples.js';

let g: RealGateway;
let site: TestSite;
let browser: { context: BrowserContext; close(): Promise<void> };
let currentDevice = '';
const id = Date.now().toString(36);

beforeAll(async () => {
  g = await startRealGateway('browser');
  site = await serveTestSite(() => g.token(currentDevice, 600));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await g?.stop();
});

afterEach(async () => {
  // A failed test must not leave a page (and its worker holding the OPFS pool) behind.
  for (const p of browser?.context.pages() ?? []) await p.close().catch(() => undefined);
});

interface Fw {
  resolved: number;
  errors: string[];
  done: boolean;
  failed: string | null;
  tokens: number;
  sent: number;
  bootId: string;
  conformance?: Array<{ name: string; ok: boolean; error?: string }>;
  manyNames?: { names?: string[]; error?: string };
}

const fwOf = (p: Page): Promise<Fw | null> => p.evaluate(() => (globalThis as unknown as { fw?: Fw }).fw ?? null);

async function open(q: Record<string, string | number>): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => console.log(`[page] ${e.message}`));
  const qs = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
  await page.goto(`${site.url}/?${qs}`);
  return page;
}

async function waitFw(p: Page, what: string, cond: (f: Fw) => boolean, ms: number): Promise<Fw> {
  let last: Fw | null = null;
  try {
    return await until(
      what,
      async () => {
        const f = (last = await fwOf(p));
        if (f?.failed) throw new Error(`page failed: ${f.failed}`);
        return f && cond(f) ? f : null;
      },
      ms,
      100,
    );
  } catch (e) {
    const l = last as Fw | null;
    throw new Error(`${(e as Error).message}; page state: ${JSON.stringify(l && { ...l, errors: l.errors.slice(-5) })}`);
  }
}

const wsUrl = (port: number) => `ws://127.0.0.1:${port}/mqtt`;

describe('device SDK in Chromium (Worker + OPFS) against the real gateway', () => {
  it('passes the storage conformance suite over the OPFS adapter', async () => {
    const page = await open({ mode: 'conformance' });
    const f = await waitFw(page, 'conformance suite in the worker', (x) => x.done, 60_000);
    await page.close();
    expect(f.conformance!.length).toBeGreaterThanOrEqual(5);
    for (const c of f.conformance!) expect(c.error ?? 'ok', c.name).toBe('ok');
  });

  it('opens more outbox names in one origin than the OPFS pool had slots', async () => {
    const page = await open({ mode: 'many-names' });
    const f = await waitFw(page, 'five outboxes opened', (x) => x.done, 30_000);
    await page.close();
    expect(f.manyNames!.error ?? 'ok').toBe('ok');
    expect(f.manyNames!.names).toHaveLength(5);
  });

  it('loses nothing when the page crashes mid-stream and is opened again', async () => {
    currentDevice = `phone-crash-${id}`;
    const tap = await tapDevice(g.kafka, g.telemetry, currentDevice);
    const N = 12_000;
    const base = { tenant: g.tenant, device: currentDevice, url: wsUrl(g.gw.ports.http), token: `${site.url}/token`, db: '/crash.db' };
    const p1 = await open({ ...base, mode: 'record', n: N });
    const before = await waitFw(p1, 'half of the drive recorded', (f) => f.resolved >= N / 2 && f.sent > 0, 60_000);
    const crashed = new Promise((r) => p1.once('crash', r));
    const cdp = await browser.context.newCDPSession(p1);
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer dies, and the worker with it
    await Promise.race([crashed, new Promise((r) => setTimeout(r, 5000))]);
    await Promise.race([p1.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    const resolved = before.resolved; // at least this many were durable when the crash came
    expect(resolved).toBeLessThan(N);

    const p2 = await open({ ...base, mode: 'drain' });
    const after = await waitFw(p2, 'drain after the crash', (f) => f.done, 60_000);
    expect(after.bootId).not.toBe(before.bootId);
    await page2Close(p2);

    await until('samples in Kafka', () => sampleIndexes(dedupe(tap.batches).unique).length >= resolved, 30_000);
    const { unique, duplicates } = dedupe(tap.batches);
    const idx = sampleIndexes(unique);
    const seen = new Set(idx);
    expect(seen.size).toBe(idx.length); // counted once
    for (let i = 0; i < resolved; i++) if (!seen.has(i)) throw new Error(`sample ${i} lost`);
    expect(Math.max(...idx)).toBe(idx.length - 1); // beyond `resolved`: a contiguous tail committed just before the crash
    expect(new Set(unique.map((b) => b.bootId)).size).toBeGreaterThanOrEqual(1);
    console.log(
      `browser crash: resolved ${resolved} before the crash, delivered ${idx.length}, batches ${unique.length}, duplicate batches ${duplicates}, tokens ${site.tokensIssued}`,
    );
    await tap.close();
  });

  it('records while offline and delivers everything once the network comes', async () => {
    currentDevice = `phone-offline-${id}`;
    const tap = await tapDevice(g.kafka, g.telemetry, currentDevice);
    const port = await freePort(); // nothing listens: the phone has no network
    const N = 10_000;
    const page = await open({
      tenant: g.tenant,
      device: currentDevice,
      url: wsUrl(port),
      token: `${site.url}/token`,
      db: '/offline.db',
      mode: 'record',
      n: N,
      pace: 0,
    });
    const offline = await waitFw(page, 'drive recorded offline', (f) => f.resolved === N, 60_000);
    expect(offline.sent).toBe(0);
    expect(
      offline.errors.some((e) => e.startsWith('connect_failed')),
      offline.errors.slice(0, 3).join(' | '),
    ).toBe(true);
    // The network comes: the port starts forwarding to the gateway's WebSocket listener.
    const fwd = net.createServer((s) => {
      const up = net.connect(g.gw.ports.http, '127.0.0.1');
      s.pipe(up).pipe(s);
      s.on('error', () => up.destroy());
      up.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => fwd.listen(port, '127.0.0.1', () => r()));
    try {
      const f = await waitFw(page, 'flush once online', (x) => x.done, 60_000);
      expect(f.sent).toBe(N);
      await until('samples in Kafka', () => sampleIndexes(dedupe(tap.batches).unique).length >= N, 30_000);
      expect(checkComplete(sampleIndexes(dedupe(tap.batches).unique), N)).toBeNull();
    } finally {
      await page.close();
      await new Promise((r) => fwd.close(() => r(undefined)));
      await tap.close();
    }
  });
});

async function page2Close(p: Page): Promise<void> {
  await p.close().catch(() => undefined);
}
