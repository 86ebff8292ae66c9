const R = 6_371_008.8; // mean Earth radius (m)
const RAD = Math.PI / 180;

/** Great-circle distance in metres between two points given in 1e-7 degrees. */
export function haversineE7(lat1E7: number, lon1E7: number, lat2E7: number, lon2E7: number): number {
  const p1 = (lat1E7 / 1e7) * RAD;
  const p2 = (lat2E7 / 1e7) * RAD;
  const dp = p2 - p1;
  const dl = ((lon2E7 - lon1E7) / 1e7) * RAD;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Signed smallest difference b - a between two headings in degrees, in (-180, 180]. */
export function headingDiffDeg(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}

/** Local mean solar hour [0, 24) at a longitude: UTC hour + lon/15. Deterministic, needs no time-zone data. */
export function solarHour(tMs: number, lonE7: number): number {
  const utcH = (((tMs / 3_600_000) % 24) + 24) % 24;
  return (((utcH + lonE7 / 1e7 / 15) % 24) + 24) % 24;
}

export function isNight(tMs: number, lonE7: number, startHour: number, endHour: number): boolean {
  const h = solarHour(tMs, lonE7);
  return startHour <= endHour ? h >= startHour && h < endHour : h >= startHour || h < endHour;
}
