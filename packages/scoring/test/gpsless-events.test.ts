// Harsh events from a device with no GPS (a phone app without location permission, an IMU-only dongle), as
// the scorer gets them: SDK-shaped records -> DeviceBatch + TelemetryRecord bytes -> the scorer's decode ->
// the core. Such a device has no trips (they are cut from GPS), so its events are kept without one.
import { describe, expect, it } from 'vitest';
import { encodeDeviceBatch, encodeTelemetryRecord, packAccel, packGps, packGyro } from '@fleetwire/proto';
import { type DriveRecord, imuDrive, type Manoeuvre, manoeuvreDrive, MANOEUVRE_EVENT, mountMatrix, typesPerManoeuvre } from '@fleetwire/test-kit';
import { type DetectedEvent, type DeviceState, newDeviceState, processTelemetry, resolveCoreConfig } from '../src/core/index.js';
import { decodeBatch } from '../src/realtime/decode.js';

const cfg = resolveCoreConfig();
const T0 = Date.UTC(2024, 0, 1, 12);
const WANT = MANOEUVRE_EVENT;

/** 10 s batches of the records, encoded as the gateway puts them on fw.telemetry.v1. */
function wire(records: DriveRecord[], deviceId = 'imu1'): Buffer[] {
  const out: Buffer[] = [];
  for (let from = records[0]!.t, seq = 1; from <= records[records.length - 1]!.t; from += 10_000, seq++) {
    const part = records.filter((r) => r.t >= from && r.t < from + 10_000);
    const of = <K extends DriveRecord['kind']>(k: K) => part.filter((r): r is Extract<DriveRecord, { kind: K }> => r.kind === k);
    const gps = of('gps');
    const batch = encodeDeviceBatch({
      deviceId,
      bootId: 'b1',
      seq,
      sentAtMs: from + 10_000,
      accel: packAccel(of('accel')),
      gyro: of('gyro').length > 0 ? packGyro(of('gyro')) : null,
      gps: gps.length > 0 ? packGps(gps) : null,
    });
    const rec = { tenant: 't1', deviceId, receivedAtMs: from + 10_000, clientId: deviceId, gatewayId: 'gw', sourceFormat: 'batch' };
    out.push(Buffer.from(encodeTelemetryRecord(rec, batch)));
  }
  return out;
}

function score(bytes: Buffer[], st: DeviceState = newDeviceState('t1', 'imu1')) {
  const messages = bytes.map((value, i) => ({ offset: String(i), key: Buffer.from('t1/imu1'), value }));
  const { items, rejected } = decodeBatch({ topic: 'fw.telemetry.v1', partition: 0, messages }, T0 + 86_400_000);
  expect(rejected).toEqual([]);
  const outs = items.map((it) => processTelemetry(st, it.input, cfg));
  return { st, trips: outs.flatMap((o) => o.trips), events: outs.flatMap((o) => o.events) };
}

const typesPer = (labels: Manoeuvre[], events: DetectedEvent[]) =>
  typesPerManoeuvre(
    labels,
    events,
    T0,
    (e) => e.tMs,
    (e) => e.type,
  );

describe('scorer events without GPS', () => {
  const { phases, labels } = manoeuvreDrive(12);
  const records = imuDrive(phases, mountMatrix(130, 20), { t0: T0, gyroBias: [0.5, -0.5, 1] });

  it('a labelled drive in a turned, tilted mount: each manoeuvre as its type, without a trip', () => {
    const { trips, events } = score(wire(records));
    expect(trips).toEqual([]);
    expect(typesPer(labels, events)).toEqual(labels.map((l) => [WANT[l.kind]]));
    expect(events).toHaveLength(labels.length);
    for (const e of events) {
      expect(e.tripId).toBeNull();
      expect(e.source).toBe('imu');
      expect([e.latE7, e.lonE7]).toEqual([0, 0]);
    }
  });

  it('the scorer persists the mount: a restart mid-drive (state through JSON, as in device_state) changes no event', () => {
    const bytes = wire(records);
    const whole = score(bytes).events;
    const half = Math.floor(bytes.length / 2);
    const first = score(bytes.slice(0, half));
    const resumed = score(bytes.slice(half), JSON.parse(JSON.stringify(first.st)) as DeviceState);
    expect([...first.events, ...resumed.events]).toEqual(whole);
    // Replayed batches (redelivery after a crash before the commit) are duplicates: nothing counted twice.
    expect(score(bytes.slice(half - 3, half), resumed.st).events).toEqual([]);
  });

  it('accelerometer only: the mount cannot be known, so no harsh event is guessed', () => {
    expect(score(wire(imuDrive(phases.slice(0, 20), mountMatrix(130, 20), { t0: T0, gyro: false }))).events).toEqual([]);
  });

  it('with GPS, events stay inside trips: none without a trip id', () => {
    // (imuDrive's fixes carry speed, not a moving position: the trip stays open to the end.)
    const { st, events } = score(wire(imuDrive(phases, mountMatrix(130, 20), { t0: T0, gps: true })));
    expect(st.trip).not.toBeNull();
    expect(events.length).toBeGreaterThan(labels.length / 2);
    expect(events.filter((e) => e.tripId !== st.trip!.id)).toEqual([]);
  });
});
