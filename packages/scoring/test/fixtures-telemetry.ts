// Helpers shared by scoring tests: simulated drives encoded as real TelemetryRecord bytes.
import { encodeDeviceBatch, encodeTelemetryRecord, type fleetwire } from '@fleetwire/proto';
import type { TelemetryInput } from '../src/core/engine.js';

const delta = (a: ArrayLike<number>): number[] => Array.from(a, (v, i) => (i === 0 ? v : v - a[i - 1]!));

/** Encodes one simulated batch exactly as the gateway would put it on fw.telemetry.v1. */
export function telemetryBytes(b: TelemetryInput, tenant = 'acme'): Uint8Array {
  const g = b.gps;
  const a = b.accel!;
  const batch: fleetwire.v1.IDeviceBatch = {
    deviceId: b.deviceId,
    bootId: b.bootId,
    seq: b.seq,
    sentAtMs: g.t[g.t.length - 1] ?? 0,
    gps: {
      baseTimeMs: g.t[0] ?? 0,
      tDeltaMs: Array.from(g.t, (v, i) => (i === 0 ? 0 : v - g.t[i - 1]!)),
      latDeltaE7: delta(g.latE7),
      lonDeltaE7: delta(g.lonE7),
      speedCms: Array.from(g.speedCms),
      headingCdeg: Array.from(g.headingCdeg),
    },
    accel: a.t.length
      ? {
          baseTimeMs: a.t[0]!,
          rateHz: 10,
          tDeltaMs: Array.from(a.t, (v, i) => (i === 0 ? 0 : v - a.t[i - 1]!)),
          xDeltaMg: delta(a.xMg),
          yDeltaMg: delta(a.yMg),
          zDeltaMg: delta(a.zMg),
        }
      : null,
  };
  return encodeTelemetryRecord(
    { tenant, deviceId: b.deviceId, receivedAtMs: g.t[g.t.length - 1] ?? 0, clientId: b.deviceId, gatewayId: 'gw-test', sourceFormat: 'batch' },
    encodeDeviceBatch(batch),
  );
}
