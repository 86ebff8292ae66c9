// The example app in a real browser: the page built by build.mjs (against the SDK's built browser and
// worker entries), served by its dev server on 127.0.0.1 (a secure context), runs in headless Debian
// Chromium. A synthetic drive comes in through the phone APIs (a replaced navigator.geolocation and
// dispatched DeviceMotionEvents at 60 Hz, test/fake-sensors.js), the app ships through the SDK (Worker,
// OPFS outbox) to the real gateway: over ws:// with the app going to the background mid-drive
// (suspend, then resume), then over wss:// to a gateway started with --ws-tls (self-signed certificate).
// Every sample the SDK recorded reaches Kafka once, with the values the sensors gave.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accelColumns, type DeviceBatch, gpsColumns } from '@fleetwire/proto';
import { launchChromium, selfSignedCert, type TestCert, until } from '@fleetwire/test-kit';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tapDevice } from '../../../packages/device-sdk/test/browser/kafka-sink.js';
import { dedupe } from '../../../packages/device-sdk/test/helpers/samples.js';
import { type RealGateway, startRealGateway } from '../../../packages/device-sdk/test/helpers/real-gateway.js';
// @ts-expect-error plain ES module without types
import { startDevServer } from '../dev-server.mjs';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const G = 9.80665;
const id = Date.now().toString(36);

let plain: RealGateway;
let secure: RealGateway;
let cert: TestCert;
let browser: { context: BrowserContext; close(): Promise<void> };
let server: { url: string; tokensIssued(): number; close(): Promise<void> };
let dist: string;
let current: RealGateway;

beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-web-recorder-'));
  execFileSync(process.execPath, [here('../build.mjs'), dist], { stdio: 'pipe' });
  cert = selfSignedCert();
  [plain, secure, browser] = await Promise.all([
    startRealGateway('webrec'),
    startRealGateway('webrec-tls', { env: { FW_GATEWAY_WS_TLS: 'true', FW_GATEWAY_TLS_CERT: cert.certFile, FW_GATEWAY_TLS_KEY: cert.keyFile } }),
    // The gateway's certificate is self-signed: the browser is told to accept it (a phone would trust its CA).
    launchChromium({ ignoreHTTPSErrors: true }),
  ]);
  current = plain;
  server = await startDevServer({ dir: dist, devicePrefix: 'web-', mintToken: (device: string) => current.token(device, 600) });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await Promise.all([plain?.stop(), secure?.stop()]);
  cert?.remove();
  if (dist) fs.rmSync(dist, { recursive: true, force: true });
});

interface Fed {
  gps: Array<{ t: number; lat: number; lon: number }>;
  accel: Array<{ ts: number; x: number; y: number; z: number }>;
}

const text = (p: Page) => p.locator('#out').innerText();

async function startDrive(page: Page, g: RealGateway, url: string, device: string): Promise<void> {
  await page.fill('#url', url);
  await page.fill('#device', device);
  await page.fill('#tenant', g.tenant);
  await page.click('#start');
  await page.waitForFunction(() => document.getElementById('out')?.dataset.state === 'recording', undefined, { timeout: 30_000 });
}

async function stopDrive(page: Page): Promise<{ recorded: number; sent: number; events: number; text: string }> {
  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('out')?.dataset.state === 'stopped', undefined, { timeout: 30_000 });
  return page.locator('#out').evaluate((el) => {
    const d = (el as HTMLElement).dataset;
    return { recorded: Number(d.recorded), sent: Number(d.sent), events: Number(d.events), text: (el as HTMLElement).innerText };
  });
}

/**
 * Matches every delivered sample with one the sensors gave: GPS by timestamp and position, accelerometer by
 * time (the app stamps events with the page's clock: timeOrigin + event.timeStamp, ±3 ms) and values in mg.
 */
function check(batches: DeviceBatch[], fed: Fed, timeOrigin: number): { gps: number; accel: number; accelHz: number } {
  const { unique } = dedupe(batches);
  const gpsByT = new Map(fed.gps.map((f) => [f.t, f]));
  const used = new Set<number>();
  const seenT = new Set<string>();
  let gps = 0;
  let accel = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const b of unique) {
    const g = gpsColumns(b.gps);
    for (let k = 0; k < g.t.length; k++) {
      const f = gpsByT.get(g.t[k]!);
      if (!f) throw new Error(`GPS fix at ${g.t[k]} was never given by the sensor`);
      expect(g.latE7[k]).toBe(Math.round(f.lat * 1e7));
      expect(g.lonE7[k]).toBe(Math.round(f.lon * 1e7));
      if (seenT.has(`g${g.t[k]}`)) throw new Error(`GPS fix at ${g.t[k]} delivered twice`);
      seenT.add(`g${g.t[k]}`);
      gps++;
    }
    const a = accelColumns(b.accel);
    for (let k = 0; k < a.t.length; k++) {
      const t = a.t[k]!;
      const mg = (v: number) => Math.round((v / G) * 1000);
      const i = fed.accel.findIndex(
        (e, j) => !used.has(j) && Math.abs(timeOrigin + e.ts - t) <= 3 && mg(e.x) === a.xMg[k] && mg(e.y) === a.yMg[k] && mg(e.z) === a.zMg[k],
      );
      if (i < 0)
        throw new Error(`accelerometer sample at ${t} (${a.xMg[k]}, ${a.yMg[k]}, ${a.zMg[k]} mg) matches no DeviceMotionEvent (or was delivered twice)`);
      used.add(i);
      accel++;
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
  }
  return { gps, accel, accelHz: accel / Math.max(1e-9, (last - first) / 1000) };
}

describe('examples/web-recorder in Chromium against the real gateway', () => {
  it('ships a drive fed through geolocation and DeviceMotionEvent over ws://, across a trip to the background', async () => {
    current = plain;
    const device = `web-ws-${id}`;
    const tap = await tapDevice(plain.kafka, plain.telemetry, device);
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.log(`[page] ${e.message}`));
    await page.addInitScript({ path: here('./fake-sensors.js') });
    await page.goto(`${server.url}/?token=/token`);
    try {
      await startDrive(page, plain, `ws://127.0.0.1:${plain.gw.ports.http}/mqtt`, device);
      const drive = page.evaluate(() => (window as unknown as { __fake: { drive(s: number): Promise<unknown> } }).__fake.drive(10));
      await new Promise((r) => setTimeout(r, 4000));
      // The app goes to the background: it suspends (seal, wait up to 2 s for PUBACKs, disconnect) and keeps recording.
      await page.evaluate(() => (window as unknown as { __fake: { setHidden(h: boolean): void } }).__fake.setHidden(true));
      await until('app suspended', async () => /suspended true/.test(await text(page)) && /connected false/.test(await text(page)), 8000, 100);
      await new Promise((r) => setTimeout(r, 1500));
      await page.evaluate(() => (window as unknown as { __fake: { setHidden(h: boolean): void } }).__fake.setHidden(false));
      await until('app resumed', async () => /connected true/.test(await text(page)), 8000, 100);
      await drive;
      const st = await stopDrive(page);
      const fed = (await page.evaluate(() => (window as unknown as { __fake: { log: unknown } }).__fake.log)) as Fed;
      const origin = await page.evaluate(() => performance.timeOrigin);
      expect(st.sent, st.text).toBe(st.recorded + st.events); // sent rows include the edge events
      await until(
        'every recorded sample in Kafka',
        () => {
          const { unique } = dedupe(tap.batches);
          return unique.reduce((n, b) => n + gpsColumns(b.gps).t.length + accelColumns(b.accel).t.length, 0) >= st.recorded;
        },
        30_000,
      );
      const got = check(tap.batches, fed, origin);
      expect(got.gps + got.accel).toBe(st.recorded); // each recorded sample once, nothing else
      // Braking at 0.41 g for the last 3 s is a harsh event on the phone; the events ride with the samples.
      expect(st.events).toBeGreaterThanOrEqual(1);
      expect(dedupe(tap.batches).unique.reduce((n, b) => n + (b.events?.length ?? 0), 0)).toBe(st.events);
      expect(got.gps).toBe(fed.gps.length); // 1 Hz fixes: all kept
      const fedHz = fed.accel.length / 10;
      // 60 Hz motion events at accelHz 50: the SDK keeps one in every 20 ms slot that has one (not every
      // second event: 30 Hz). A loaded machine bunches the page's timers, so count the slots actually fed.
      const slots = new Set(fed.accel.map((e) => Math.floor((origin + e.ts) / 20))).size;
      expect(got.accel).toBeGreaterThanOrEqual(Math.floor(0.85 * slots));
      expect(got.accelHz).toBeLessThanOrEqual(51);
      console.log(
        `web-recorder ws://: fed ${fed.gps.length} fixes + ${fed.accel.length} motion events (${fedHz.toFixed(1)} Hz, ${slots} slots of 20 ms); recorded ${st.recorded}; in Kafka ${got.gps} + ${got.accel} (${got.accelHz.toFixed(1)} Hz), ${dedupe(tap.batches).duplicates} duplicate batches; tokens ${server.tokensIssued()}`,
      );
    } finally {
      await page.close();
      await tap.close();
    }
  });

  it('ships over wss:// to a gateway started with --ws-tls, and starts again after a stop', async () => {
    current = secure;
    const device = `web-wss-${id}`;
    const tap = await tapDevice(secure.kafka, secure.telemetry, device);
    const page = await browser.context.newPage();
    await page.addInitScript({ path: here('./fake-sensors.js') });
    await page.goto(`${server.url}/?token=/token`);
    try {
      // Two drives from the same page: stopping ends the worker, so the second start opens the OPFS outbox again.
      const url = `wss://127.0.0.1:${secure.gw.ports.http}/mqtt`;
      let recorded = 0;
      for (const seconds of [4, 2]) {
        await startDrive(page, secure, url, device);
        await page.evaluate((s) => (window as unknown as { __fake: { drive(s: number): Promise<unknown> } }).__fake.drive(s), seconds);
        const st = await stopDrive(page);
        expect(st.recorded).toBeGreaterThan(seconds * 10); // completeness is checked sample by sample below
        expect(st.sent, st.text).toBe(st.recorded + st.events); // sent rows include the edge events
        recorded += st.recorded;
      }
      const fed = (await page.evaluate(() => (window as unknown as { __fake: { log: unknown } }).__fake.log)) as Fed;
      const origin = await page.evaluate(() => performance.timeOrigin);
      await until(
        'every recorded sample in Kafka',
        () => {
          const { unique } = dedupe(tap.batches);
          return unique.reduce((n, b) => n + gpsColumns(b.gps).t.length + accelColumns(b.accel).t.length, 0) >= recorded;
        },
        30_000,
      );
      const got = check(tap.batches, fed, origin);
      expect(got.gps + got.accel).toBe(recorded);
      expect(new Set(dedupe(tap.batches).unique.map((b) => b.bootId)).size).toBe(2);
      console.log(`web-recorder wss://: two drives, recorded ${recorded}, in Kafka ${got.gps} + ${got.accel}`);
    } finally {
      await page.close();
      await tap.close();
    }
  });
});
