// Scenario f: 10,000 malformed, fuzzed, oversized payloads and JSON bombs from many clients while a
// simulated fleet runs. Every bad payload is dead-lettered with a reason; the fleet loses nothing.
import { fleetwire, uplinkBatchTopic, uplinkJsonTopic } from '@fleetwire/proto';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { uniq, until } from '../helpers/env.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { connectMqtt, deviceToken } from '../helpers/mqtt-device.js';
import { runNames, startScorer } from '../helpers/pipeline.js';
import type { PrivateStack } from '../helpers/private-stack.js';
import { counted, explainLoss, fmtCount, runLoad, scorerNote, tenantNote, settle } from './fleet-load.js';
import { saveResult } from './results.js';

export const FUZZ_INPUTS = 10_000;
const FUZZERS = 20;

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const T = Date.now();

/** Bad protobuf batches: valid framing, invalid content (ranges, order, ids, lengths). */
const badBatch = (deviceId: string) =>
  fc
    .record({
      kind: fc.constantFrom('lat', 'lon', 'order', 'id', 'mismatch', 'empty-boot', 'huge-seq-track'),
      n: fc.integer({ min: 2, max: 50 }),
    })
    .map(({ kind, n }) => {
      const t = Array.from({ length: n }, () => 1000);
      t[0] = T;
      const lat = Array.from({ length: n }, () => 10);
      const lon = Array.from({ length: n }, () => 10);
      if (kind === 'lat') lat[0] = 95 * 1e7;
      if (kind === 'lon') lon[0] = 200 * 1e7;
      if (kind === 'order') t[1] = -5000;
      const gps = { tDeltaMs: t, latDeltaE7: lat, lonDeltaE7: lon, speedCms: kind === 'huge-seq-track' ? [1] : Array(n).fill(100) };
      return fleetwire.v1.DeviceBatch.encode({
        deviceId: kind === 'mismatch' ? `${deviceId}-other` : kind === 'id' ? 'bad id with spaces' : deviceId,
        bootId: kind === 'empty-boot' ? '' : 'boot-1',
        seq: 1,
        sentAtMs: T,
        gps: gps as never,
      }).finish();
    });

const payloadArb = (deviceId: string): fc.Arbitrary<{ json: boolean; bytes: Uint8Array }> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => ({ json: false, bytes })) },
    { weight: 3, arbitrary: badBatch(deviceId).map((bytes) => ({ json: false, bytes })) },
    { weight: 3, arbitrary: fc.json().map((s) => ({ json: true, bytes: Buffer.from(s) })) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          boot_id: fc.oneof(fc.string(), fc.constant('b')),
          seq: fc.oneof(fc.integer(), fc.string(), fc.double()),
          sent_at: fc.anything(),
          gps: fc.anything(),
          accel: fc.anything(),
        })
        .map((o) => ({ json: true, bytes: Buffer.from(JSON.stringify(o) ?? '{}') })),
    },
    // JSON bombs: deep nesting, huge arrays, long strings, many keys.
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 5, max: 50_000 })
        .map((d) => ({ json: true, bytes: Buffer.from(`{"boot_id":"b","seq":1,"sent_at":${T},"gps":${nested(d)}}`) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 20_001, max: 60_000 })
        .map((k) => ({ json: true, bytes: Buffer.from(`{"boot_id":"b","seq":1,"sent_at":${T},"gps":[${Array(k).fill('{"t":1}').join(',')}]}`) })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 200, max: 5000 }).map((k) => ({ json: true, bytes: Buffer.from(`{"boot_id":"${'x'.repeat(k)}","seq":1,"sent_at":${T}}`) })),
    },
    // Oversized: above the 512 KiB payload limit.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 513 * 1024, max: 700 * 1024 }).map((k) => ({ json: fc.sample(fc.boolean(), 1)[0]!, bytes: new Uint8Array(k).fill(0x5b) })),
    },
  );

export async function fuzz(stack: PrivateStack): Promise<void> {
  const t0 = Date.now();
  const n = runNames(uniq('ckf'));
  const sc = await startScorer(stack.env, n);
  const gw = await GatewayProcess.create(stack.env, n);
  const clients: MqttClient[] = [];
  try {
    const ids = Array.from({ length: FUZZERS }, (_, i) => `${n.id}-fuzz${i}`);
    for (const id of ids) clients.push(await connectMqtt(gw.url, id, deviceToken(n.tenant, id)));
    const load = runLoad(gw.url, n, { devices: 4, speedup: 60, simulatedMs: 15 * 60_000, drainTimeoutMs: 60_000 });
    const per = FUZZ_INPUTS / FUZZERS;
    let oversized = 0;
    let bombs = 0;
    await Promise.all(
      ids.map(async (id, k) => {
        const inputs = fc.sample(payloadArb(id), { numRuns: per, seed: 7919 * (k + 1) });
        for (let i = 0; i < inputs.length; i += 25) {
          await Promise.all(
            inputs.slice(i, i + 25).map((p) => {
              if (p.bytes.byteLength > 512 * 1024) oversized++;
              else if (p.bytes.byteLength > 100_000) bombs++;
              return clients[k]!.publishAsync(p.json ? uplinkJsonTopic(n.tenant, id) : uplinkBatchTopic(n.tenant, id), Buffer.from(p.bytes), { qos: 1 });
            }),
          );
        }
      }),
    );
    const summary = await load;
    const acct = await settle(sc.db, n, summary, 60_000);
    if (acct.lost > 0) await explainLoss(sc, n, summary, acct);
    // Every fuzzed payload is in the dead-letter topic with a reason.
    const reasons = new Map<string, number>();
    let dead = 0;
    let withReason = 0;
    const consumer = sc.kafka.consumer({ groupId: uniq('ckf-dl-') });
    await consumer.connect();
    await consumer.subscribe({ topic: n.deadletter, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        // Dead letters are keyed by the device's identity "<tenant>/<device>".
        if (!message.key?.toString().startsWith(`${n.tenant}/${n.id}-fuzz`)) return;
        dead++;
        const d = fleetwire.v1.DeadLetter.decode(message.value!);
        if (d.reasonCode && d.reason) withReason++;
        reasons.set(d.reasonCode, (reasons.get(d.reasonCode) ?? 0) + 1);
      },
    });
    await until(`${FUZZ_INPUTS} dead letters`, () => dead >= FUZZ_INPUTS, 60_000, 200).catch(() => undefined);
    await consumer.disconnect();
    const stillConnected = clients.filter((c) => c.connected).length;
    const ready = await gw.ready();
    console.log(
      `[chaos f] ${JSON.stringify({ dead, withReason, reasons: Object.fromEntries(reasons), oversized, bombs, stillConnected, ready, acked: summary.sentSamples, stored: acct.stored, lost: acct.lost })}`,
    );
    expect(dead).toBe(FUZZ_INPUTS);
    expect(withReason).toBe(FUZZ_INPUTS);
    expect(stillConnected).toBe(FUZZERS);
    expect(ready).toBe(true);
    expect(summary.complete).toBe(true);
    expect(acct.lost).toBe(0);
    expect(acct.duplicates).toBe(0);
    const top = [...reasons]
      .sort((a, b) => b[1] - a[1])
      .map(([r, c]) => `${r} ${c}`)
      .join(', ');
    saveResult({
      name: 'f-fuzz',
      title: 'Malformed, fuzzed and oversized payloads, JSON bombs',
      fault: `${FUZZ_INPUTS} fast-check payloads from ${FUZZERS} clients (protobuf and partner JSON; ${oversized} over 512 KiB, ${bombs} bombs over 100 kB)`,
      load: `${summary.devices} simulated devices alongside, ${fmtCount(summary.sentSamples)} samples`,
      faultsSurvived: 0,
      inputs: FUZZ_INPUTS,
      ...counted(summary, acct),
      notes: `${dead}/${FUZZ_INPUTS} dead-lettered with a reason (${top}); all fuzzing clients still connected` + tenantNote(acct) + scorerNote(sc),
      wallMs: Date.now() - t0,
    });
  } finally {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await gw.stop();
    await sc.stop();
  }
}
