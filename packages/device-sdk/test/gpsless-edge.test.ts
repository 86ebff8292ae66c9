// Edge events without GPS (a phone app without location permission, an IMU-only dongle): accelerometer and
// gyroscope only, in a mount the SDK is not told. The same detection core as the scorer's (its own tests
// in packages/detect/test/gpsless.test.ts); here through createClient, the outbox and the wire.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDeviceBatch, fleetwire, gyroColumns } from '@fleetwire/proto';
import { imuDrive, type Manoeuvre, manoeuvreDrive, MANOEUVRE_EVENT, mountMatrix, typesPerManoeuvre } from '@fleetwire/test-kit';
import { createClient, type FleetwireClient, MemoryStorage, type SampleRecord } from '../src/index.js';

const T0 = Date.UTC(2024, 0, 1);
const ET = fleetwire.v1.EventType;
const WANT = MANOEUVRE_EVENT;
let client: FleetwireClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

async function edgeEvents(records: SampleRecord[], gyroHandedness?: 'left' | 'right', storage = new MemoryStorage()) {
  const detection = gyroHandedness ? { gyroHandedness } : true;
  client = await createClient({ deviceId: 'imu1', tenant: 't1', url: 'mqtt://127.0.0.1:1', storage, detection, batch: { intervalMs: 60_000 } });
  client.on('error', () => {});
  // As an app hands them over: a second of samples at a time.
  for (let i = 0; i < records.length; i += 100) await client.record(records.slice(i, i + 100));
  await client.flush({ timeoutMs: 20 }).catch(() => undefined);
  return storage
    .open()
    .batches.map((b) => decodeDeviceBatch(storage.readBatch(b.seq)!, { nowMs: T0 + 86_400_000 }))
    .flatMap((r) => {
      if (!r.ok) throw r.error;
      return r.value.events;
    })
    .filter((e) => e.type !== ET.EVENT_TYPE_TRIP_START && e.type !== ET.EVENT_TYPE_TRIP_END);
}

const typesPer = (labels: Manoeuvre[], events: { tMs: unknown; type: number }[]) =>
  typesPerManoeuvre(
    labels,
    events,
    T0,
    (e) => Number(e.tMs),
    (e) => e.type,
  );

describe('edge events without GPS', () => {
  it("test-kit's manoeuvre event types are the proto's", () => {
    expect(WANT).toEqual({
      brake: ET.EVENT_TYPE_HARSH_BRAKING,
      accel: ET.EVENT_TYPE_HARSH_ACCELERATION,
      left: ET.EVENT_TYPE_HARSH_CORNERING,
      right: ET.EVENT_TYPE_HARSH_CORNERING,
    });
  });

  it('a labelled test drive in a tilted, turned mount: each manoeuvre as its type (those before the first turn once it gives the mount), none as another', async () => {
    const { phases, labels } = manoeuvreDrive(12);
    const records = imuDrive(phases, mountMatrix(130, 20), { t0: T0, gyroBias: [0.5, -0.5, 1] }) as SampleRecord[];
    const events = await edgeEvents(records);
    expect(typesPer(labels, events)).toEqual(labels.map((l) => [WANT[l.kind]]));
    expect(events).toHaveLength(labels.length);
    // Without GPS an event has no position and no speed to tag it with.
    expect(events.every((e) => e.latE7 === 0 && e.lonE7 === 0)).toBe(true);
  });

  it('accelerometer only (no gyroscope, no GPS): the mount cannot be known, so no harsh event is guessed', async () => {
    const { phases } = manoeuvreDrive(4);
    const events = await edgeEvents(imuDrive(phases, mountMatrix(130, 20), { t0: T0, gyro: false }) as SampleRecord[]);
    expect(events).toEqual([]);
  });

  it('a left-handed gyroscope: read backwards unless declared; with detection.gyroHandedness = left, each as its type', async () => {
    const { phases, labels } = manoeuvreDrive(12);
    const records = imuDrive(phases, mountMatrix(-60, 30), { t0: T0, gyroSign: -1 }) as SampleRecord[];
    const firstTurn = labels.findIndex((l) => l.kind === 'left' || l.kind === 'right');
    const later = labels.slice(firstTurn);
    const brakes = later.map((l, i) => (l.kind === 'brake' ? i : -1)).filter((i) => i >= 0);
    // Learnt (no GPS to check against): taken as right-handed, so forward comes out reversed.
    const learnt = typesPer(later, await edgeEvents(records));
    await client?.close();
    expect(brakes.filter((i) => learnt[i]!.includes(ET.EVENT_TYPE_HARSH_ACCELERATION)).length).toBeGreaterThan(brakes.length / 2);
    const storage = new MemoryStorage();
    const declared = typesPer(later, await edgeEvents(records, 'left', storage));
    expect(declared).toEqual(later.map((l) => [WANT[l.kind]]));
    // What is sent is right-handed, as the wire defines: the scorer (which is not told) agrees with the edge.
    const first = decodeDeviceBatch(storage.readBatch(storage.open().batches[0]!.seq)!, { nowMs: T0 + 86_400_000 });
    if (!first.ok) throw first.error;
    const wire = gyroColumns(first.value.gyro);
    const sent = records.filter((r) => r.kind === 'gyro').slice(0, 3) as { x: number }[];
    expect(Array.from(wire.xMdps.slice(0, 3))).toEqual(sent.map((r) => Math.round(-r.x * 1000)));
  });
});
