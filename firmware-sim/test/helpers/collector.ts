// Counts every uplinked sample by device, once per (device, boot, seq), from decoded DeviceBatches.
import { accelColumns, batchKey, gpsColumns, type IDeviceBatch } from '@fleetwire/proto';

export class BatchCollector {
  readonly seen = new Set<string>();
  readonly gps = new Map<string, number>();
  readonly accel = new Map<string, number>();
  /** Per device, sample times of the GPS track in arrival order (to check nothing is out of place). */
  readonly gpsTimes = new Map<string, number[]>();
  duplicates = 0;
  decodeErrors: string[] = [];

  /** `tenant`: when the batches come from several tenants (the key is proto's batchKey). */
  add(batch: IDeviceBatch, tenant = ''): void {
    const deviceId = String(batch.deviceId ?? '');
    const key = batchKey(tenant, deviceId, String(batch.bootId), String(batch.seq));
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    const g = gpsColumns(batch.gps);
    const a = accelColumns(batch.accel);
    this.gps.set(deviceId, (this.gps.get(deviceId) ?? 0) + g.t.length);
    this.accel.set(deviceId, (this.accel.get(deviceId) ?? 0) + a.t.length);
    const times = this.gpsTimes.get(deviceId) ?? [];
    for (const t of g.t) times.push(Number(t));
    this.gpsTimes.set(deviceId, times);
  }

  total(deviceId: string): number {
    return (this.gps.get(deviceId) ?? 0) + (this.accel.get(deviceId) ?? 0);
  }
}
