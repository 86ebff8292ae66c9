// A synthetic phone drive as SDK records: 1 Hz GPS, accelerometer (and optionally gyroscope) at `hz`,
// app phone states; with a crash pulse and stop where asked. Shared by the device SDK's tests, the pipeline
// integration test and the benches (one copy). Mount aligned: x forward, y left, z up (specific force).

export type DriveRecord =
  | { kind: 'gps'; t: number; lat: number; lon: number; speed: number; heading: number; hdop: number }
  | { kind: 'accel'; t: number; x: number; y: number; z: number }
  | { kind: 'gyro'; t: number; x: number; y: number; z: number }
  | { kind: 'phone'; t: number; state: 'screen_off' | 'screen_on' | 'unlocked' | 'locked' | 'call_start' | 'call_end' | 'handling' };

export interface PhoneDriveOptions {
  t0: number;
  seconds: number;
  /** m/s at second s (default 15). */
  speed?: (s: number) => number;
  /** [x, y, z] in g, gravity included (default [0, 0, 1] plus a little road noise). */
  accel?: (s: number) => [number, number, number];
  /** [x, y, z] deg/s; omitted = no gyroscope. */
  gyro?: (s: number) => [number, number, number];
  hz?: number;
  phone?: { s: number; state: Extract<DriveRecord, { kind: 'phone' }>['state'] }[];
  lat0?: number;
  lon0?: number;
}

/** A half-sine pulse of peak `g` between s0 and s0 + ms. */
export const halfSine = (s: number, s0: number, ms: number, g: number): number => {
  const u = (s - s0) / (ms / 1000);
  return u >= 0 && u <= 1 ? g * Math.sin(Math.PI * u) : 0;
};

/** Frontal crash at second `at`: a 6 g, 100 ms deceleration pulse, the car stopped half a second later. */
export const crashAt = (at: number) => ({
  speed: (s: number) => (s < at + 0.5 ? 15 : 0),
  accel: (s: number): [number, number, number] => [-halfSine(s, at, 100, 6), 0, 1],
});

export function phoneDrive(o: PhoneDriveOptions): DriveRecord[] {
  const hz = o.hz ?? 50;
  const speed = o.speed ?? (() => 15);
  const accel = o.accel ?? (() => [0, 0, 1] as [number, number, number]);
  const out: DriveRecord[] = [];
  let dist = 0;
  const step = 1000 / hz;
  let seed = 17;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 0.02;
  for (let k = 0; k * step <= o.seconds * 1000; k++) {
    const ms = Math.round(k * step);
    const s = ms / 1000;
    const t = o.t0 + ms;
    if (ms % 1000 === 0) {
      const v = speed(s);
      out.push({ kind: 'gps', t, lat: (o.lat0 ?? 48.1) + dist / 111_320, lon: o.lon0 ?? 11.5, speed: v, heading: 0, hdop: 0.8 });
      dist += v;
    }
    const [x, y, z] = accel(s);
    out.push({ kind: 'accel', t, x: x + noise(), y: y + noise(), z: z + noise() });
    if (o.gyro) {
      const [gx, gy, gz] = o.gyro(s);
      out.push({ kind: 'gyro', t, x: gx, y: gy, z: gz });
    }
  }
  for (const p of o.phone ?? []) out.push({ kind: 'phone', t: o.t0 + Math.round(p.s * 1000), state: p.state });
  return out.sort((a, b) => a.t - b.t);
}
