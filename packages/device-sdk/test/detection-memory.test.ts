// The edge detector's learnt state (mount, handedness) kept in the outbox across restarts: a GPS-less device
// restarted mid-drive reports the manoeuvres before its next turn, which a detector learning again misses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDeviceBatch, fleetwire } from '@fleetwire/proto';
import { newMotionState } from '@fleetwire/detect';
import { imuDrive, manoeuvreDrive, MANOEUVRE_EVENT, mountMatrix, typesPerManoeuvre } from '@fleetwire/test-kit';
import { createClient, type FleetwireClient, MemoryStorage, type OutboxStorage, type SampleRecord } from '../src/index.js';
import { decodeDetectionState, encodeDetectionState } from '../src/core/detection-state.js';

const T0 = Date.UTC(2024, 0, 1);
const ET = fleetwire.v1.EventType;
const WANT = MANOEUVRE_EVENT;
const open: FleetwireClient[] = [];
let dir = '';
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const { phases, labels } = manoeuvreDrive(12);
const records = imuDrive(phases, mountMatrix(130, 20), { t0: T0, gyroBias: [0.5, -0.5, 1] }) as SampleRecord[];
// The restart: 5 s before the 19th manoeuvre; the second half opens with a braking, an acceleration and a
// braking before its first turn.
// The restart comes before them and the app stops again before the next turn: only a mount it already knows
// can type them (a fresh detector keeps them until a turn gives it the mount, which does not come here).
const turnAt = labels.findIndex((l, i) => i >= 18 && (l.kind === 'left' || l.kind === 'right'));
const later = labels.slice(18, turnAt);
const cut = records.findIndex((r) => r.t >= T0 + (later[0]!.start - 5) * 1000);
const stop = records.findIndex((r) => r.t >= T0 + (labels[turnAt]!.start - 2) * 1000);
const secondPart = records.slice(cut, stop);

async function client(storage: OutboxStorage | { path: string }) {
  const c = await createClient({ deviceId: 'imu1', tenant: 't1', url: 'mqtt://127.0.0.1:1', storage, detection: true, batch: { intervalMs: 60_000 } });
  c.on('error', () => {});
  open.push(c);
  return c;
}
async function feed(c: FleetwireClient, part: SampleRecord[]) {
  for (let i = 0; i < part.length; i += 100) await c.record(part.slice(i, i + 100));
  await c.flush({ timeoutMs: 20 }).catch(() => undefined);
}
/** The harsh event types per labelled manoeuvre of the second half, from every batch the outbox holds. */
function laterTypes(storage: OutboxStorage) {
  const events = storage
    .open()
    .batches.map((b) => decodeDeviceBatch(storage.readBatch(b.seq)!, { nowMs: T0 + 86_400_000 }))
    .flatMap((r) => (r.ok ? r.value.events : []))
    .filter((e) => e.type !== ET.EVENT_TYPE_TRIP_START && e.type !== ET.EVENT_TYPE_TRIP_END);
  return typesPerManoeuvre(
    later,
    events,
    T0,
    (e) => Number(e.tMs),
    (e) => e.type,
  );
}
const want = later.map((l) => [WANT[l.kind]]);
const none = later.map(() => []);

describe('edge detection state across restarts', () => {
  it('close() then a new client on the same outbox: the manoeuvres before the next turn are reported at once', async () => {
    const storage = new MemoryStorage();
    const a = await client(storage);
    await feed(a, records.slice(0, cut));
    await a.close();
    expect(later.length).toBeGreaterThanOrEqual(3);
    await feed(await client(storage), secondPart);
    expect(laterTypes(storage)).toEqual(want);
  });

  it('without the saved state (a fresh outbox) the detector must learn again: nothing until a turn, what the memory is for', async () => {
    const storage = new MemoryStorage();
    await feed(await client(storage), secondPart);
    expect(laterTypes(storage)).toEqual(none);
  });

  it('killed without close() (SQLite file): what was saved while recording is there for the next start', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-sdk-det-'));
    const file = path.join(dir, 'outbox.db');
    const a = await client({ path: file });
    await feed(a, records.slice(0, cut));
    // A second process opening the file now sees what a kill -9 of the first would leave (committed transactions).
    const b = await client({ path: file });
    await feed(b, secondPart);
    await b.close();
    open.splice(open.indexOf(b), 1);
    const { SqliteStorage } = await import('../src/adapters/sqlite-storage.js');
    const s = new SqliteStorage(file);
    try {
      expect(laterTypes(s)).toEqual(want);
    } finally {
      s.close();
    }
  });

  it('a saved state this version cannot read (garbage, another format) is ignored: the detector starts as new', async () => {
    for (const bad of [new Uint8Array([0xff, 0x00, 0x7b]), new TextEncoder().encode('{"f":99,"m":{}}'), new TextEncoder().encode('{"f":1,"m":{"v":0}}')]) {
      expect(decodeDetectionState(bad)).toBeNull();
      const storage = new MemoryStorage();
      storage.saveDetectionState(bad);
      const c = await client(storage);
      await feed(c, secondPart);
      expect(laterTypes(storage)).toEqual(none);
      expect(c.stats().lastError?.code ?? 'none').not.toMatch(/^storage_/); // no broker here: only connect_failed
      await c.close();
      open.splice(open.indexOf(c), 1);
    }
    const fresh = newMotionState();
    expect(decodeDetectionState(encodeDetectionState(fresh)!)).toEqual(fresh);
  });
});
