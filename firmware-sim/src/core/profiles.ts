/** Driver profiles: how hard a driver accelerates, brakes and corners, how fast over the limit, how often harsh events happen. */

export type ProfileName = 'calm' | 'normal' | 'aggressive' | 'speeder';
export const PROFILE_NAMES: readonly ProfileName[] = ['calm', 'normal', 'aggressive', 'speeder'];

export interface DriverProfile {
  name: ProfileName;
  /** Cruise speed as a multiple of the limit (centre of a small per-segment spread). */
  speedFactor: number;
  /** Per-segment spread of the cruise factor: uniform in [-spread, +spread/2]. */
  speedSpread: number;
  /** Normal acceleration and braking, m/s². */
  accel: number;
  brake: number;
  /** Comfortable lateral acceleration in turns, m/s². */
  lateral: number;
  /** Harsh events per hour of moving time. */
  harshBrakingPerH: number;
  harshAccelPerH: number;
  harshCorneringPerH: number;
  /** Probability of running an amber light instead of stopping when one turns red. */
  amberRunning: number;
}

export const PROFILES: Readonly<Record<ProfileName, DriverProfile>> = Object.freeze({
  calm: {
    name: 'calm',
    speedFactor: 0.93,
    speedSpread: 0.05,
    accel: 1.3,
    brake: 1.6,
    lateral: 1.8,
    harshBrakingPerH: 0.2,
    harshAccelPerH: 0.1,
    harshCorneringPerH: 0.1,
    amberRunning: 0.02,
  },
  normal: {
    name: 'normal',
    speedFactor: 1.0,
    speedSpread: 0.06,
    accel: 1.8,
    brake: 2.2,
    lateral: 2.3,
    harshBrakingPerH: 1.0,
    harshAccelPerH: 0.8,
    harshCorneringPerH: 0.6,
    amberRunning: 0.08,
  },
  aggressive: {
    name: 'aggressive',
    speedFactor: 1.1,
    speedSpread: 0.06,
    accel: 2.5,
    brake: 3.0,
    lateral: 2.9,
    harshBrakingPerH: 6,
    harshAccelPerH: 5,
    harshCorneringPerH: 4,
    amberRunning: 0.3,
  },
  speeder: {
    name: 'speeder',
    speedFactor: 1.25,
    speedSpread: 0.06,
    accel: 2.1,
    brake: 2.5,
    lateral: 2.5,
    harshBrakingPerH: 1.5,
    harshAccelPerH: 1.2,
    harshCorneringPerH: 0.8,
    amberRunning: 0.15,
  },
});

/** Highest cruise speed the profile ever targets on a road with this limit. */
export function maxCruise(profile: DriverProfile, limitMs: number): number {
  return limitMs * profile.speedFactor * (1 + profile.speedSpread / 2);
}

export function getProfile(name: string): DriverProfile {
  const p = (PROFILES as Record<string, DriverProfile>)[name];
  if (!p) throw new RangeError(`unknown driver profile "${name}" (expected one of ${PROFILE_NAMES.join(', ')})`);
  return p;
}

/** Parses a mix like "calm:0.3,normal:0.5,aggressive:0.1,speeder:0.1" into normalised weights. */
export function parseProfileMix(text: string): Array<[ProfileName, number]> {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new RangeError('profile mix is empty');
  const out: Array<[ProfileName, number]> = [];
  for (const part of parts) {
    const [name, w] = part.split(':');
    const p = getProfile((name ?? '').trim());
    const weight = w === undefined ? 1 : Number(w);
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`bad weight "${w}" for profile ${p.name}`);
    out.push([p.name, weight]);
  }
  const total = out.reduce((a, [, x]) => a + x, 0);
  if (!(total > 0)) throw new RangeError('profile mix weights sum to zero');
  return out.map(([n, x]) => [n, x / total]);
}

export const DEFAULT_PROFILE_MIX: Array<[ProfileName, number]> = [
  ['calm', 0.3],
  ['normal', 0.45],
  ['aggressive', 0.12],
  ['speeder', 0.13],
];
