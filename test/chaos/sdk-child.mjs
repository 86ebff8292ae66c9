#!/usr/bin/env node
// Child process for the SDK kill scenario: a device-SDK client (packages/device-sdk/dist, SQLite outbox)
// that records GPS samples i = FROM, FROM+1, ... (t = T0 + i * 100 ms) in calls of 25 and prints
// "R <last i>" after each record() resolved. With FINAL=1 it records up to END, flushes and prints "F".
// The parent SIGKILLs it at random moments and restarts it from the last reported index + 1.
import { createClient } from '../../packages/device-sdk/dist/index.js';

const env = process.env;
const from = Number(env.FROM);
const end = Number(env.END);
const t0 = Number(env.T0);
const final = env.FINAL === '1';

const client = await createClient({
  deviceId: env.DEVICE,
  tenant: env.TENANT,
  url: env.URL,
  credentials: { username: env.DEVICE, password: env.PASS },
  storage: { path: env.DB },
  durability: env.DURABILITY ?? 'normal',
  batch: { intervalMs: 1000, maxBytes: 64 * 1024, maxSamples: 500 },
  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
});
client.on('error', () => undefined);

const write = (s) => new Promise((r) => process.stdout.write(s, r));
for (let i = from; i <= end; i += 25) {
  const batch = [];
  for (let j = i; j < Math.min(i + 25, end + 1); j++) {
    batch.push({ kind: 'gps', t: t0 + j * 100, lat: 48.1 + j * 1e-6, lon: 11.5 + j * 1e-6, speed: 10, heading: 45, hdop: 0.9, alt: 500 });
  }
  await client.record(batch);
  await write(`R ${Math.min(i + 24, end)}\n`);
  if (!final) await new Promise((r) => setTimeout(r, 5));
}
if (final) {
  await client.flush({ timeoutMs: 60_000 });
  const s = client.stats();
  await write(`F ${JSON.stringify({ sent: s.sent, dropped: s.dropped, pending: s.pendingSamples, sealed: s.sealedBatches })}\n`);
  await client.close();
  process.exit(0);
} else {
  // Recorded everything before the kill came: keep publishing until killed.
  await new Promise(() => undefined);
}
