/** Pure fleet planning: device ids, driver profile per device, seeds, offline windows. Deterministic for a seed. */
import { DEFAULT_PROFILE_MIX, type ProfileName } from './profiles.js';
import { Rng } from './prng.js';

export interface DevicePlan {
  index: number;
  /** The device is (tenant, deviceId). */
  tenant: string;
  deviceId: string;
  profile: ProfileName;
  seed: string;
  /** Real-time offline window relative to the run start, when requested. */
  offline?: { startMs: number; endMs: number };
}

export interface PlanOptions {
  devices: number;
  seed: string | number;
  prefix?: string;
  /**
   * Tenants the devices are spread over, round robin (device i belongs to tenants[i % k]). Ids are numbered
   * within each tenant, so they overlap across tenants: every tenant has its `<prefix>0001`. Default ['demo'].
   */
  tenants?: readonly string[];
  profileMix?: ReadonlyArray<readonly [ProfileName, number]>;
  /** Length of each device's offline window in real ms (0 = none). */
  offlineMs?: number;
  /** Expected real duration of the run (bounds where offline windows fall). */
  expectedWallMs?: number;
}

export const MAX_DEVICES = 100_000;
const ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;

export function planFleet(o: PlanOptions): DevicePlan[] {
  if (!Number.isInteger(o.devices) || o.devices < 1 || o.devices > MAX_DEVICES)
    throw new RangeError(`devices must be an integer in [1, ${MAX_DEVICES}], got ${o.devices}`);
  const prefix = o.prefix ?? 'sim-';
  if (!ID_RE.test(prefix + '0')) throw new RangeError(`device id prefix "${prefix}" may only contain [A-Za-z0-9._:-]`);
  const mix = o.profileMix ?? DEFAULT_PROFILE_MIX;
  const rng = new Rng(`plan:${o.seed}`);
  const tenants = o.tenants && o.tenants.length > 0 ? o.tenants : ['demo'];
  for (const t of tenants) if (!ID_RE.test(t)) throw new RangeError(`tenant "${t}" may only contain [A-Za-z0-9._:-]`);
  if (new Set(tenants).size !== tenants.length) throw new RangeError(`tenants must be distinct, got ${tenants.join(',')}`);
  const width = Math.max(4, String(Math.ceil(o.devices / tenants.length)).length);
  const offlineMs = o.offlineMs ?? 0;
  const wall = o.expectedWallMs ?? 0;
  const plans: DevicePlan[] = [];
  for (let i = 0; i < o.devices; i++) {
    let u = rng.next();
    let profile: ProfileName = mix[mix.length - 1]![0];
    for (const [name, w] of mix) {
      if (u < w) {
        profile = name;
        break;
      }
      u -= w;
    }
    const k = tenants.length;
    const p: DevicePlan = {
      index: i,
      tenant: tenants[i % k]!,
      deviceId: `${prefix}${String(Math.floor(i / k) + 1).padStart(width, '0')}`,
      profile,
      seed: `${o.seed}:${i}`,
    };
    if (offlineMs > 0) {
      const start = Math.floor(rng.next() * Math.max(0, wall - offlineMs));
      p.offline = { startMs: start, endMs: start + offlineMs };
    }
    plans.push(p);
  }
  return plans;
}

/** Chunk length (virtual ms) so that each device wakes about once per real second, within [1 s, 60 s]. */
export function chunkMsFor(speedup: number): number {
  if (!Number.isFinite(speedup)) return 60_000;
  return Math.min(60_000, Math.max(1000, Math.round(speedup * 1000)));
}

/**
 * Virtual start so the drive ends when the run ends: with speedup s and simulated length D the run takes
 * D/s real ms, so start = now - D + D/s. Virtual time then never runs ahead of the real clock.
 */
export function virtualStartFor(nowMs: number, durationMs: number, speedup: number): number {
  const wall = Number.isFinite(speedup) ? durationMs / speedup : 0;
  return Math.round(nowMs - durationMs + wall);
}
