/** Geodesy helpers: local tangent-plane projection around a centre, bearings. Metres and degrees. */

export const EARTH_RADIUS_M = 6_371_008.8;
export const G = 9.80665;
const DEG = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Equirectangular projection about a centre: accurate to well under 0.1 % within a city. */
export class LocalProjection {
  readonly mPerDegLat: number;
  readonly mPerDegLon: number;

  constructor(readonly centre: LatLon) {
    if (!Number.isFinite(centre.lat) || Math.abs(centre.lat) > 85) throw new RangeError(`centre latitude ${centre.lat} must be within ±85°`);
    if (!Number.isFinite(centre.lon) || Math.abs(centre.lon) > 180) throw new RangeError(`centre longitude ${centre.lon} must be within ±180°`);
    this.mPerDegLat = EARTH_RADIUS_M * DEG;
    this.mPerDegLon = EARTH_RADIUS_M * DEG * Math.cos(centre.lat * DEG);
  }

  toLatLon(x: number, y: number): LatLon {
    return { lat: this.centre.lat + y / this.mPerDegLat, lon: this.centre.lon + x / this.mPerDegLon };
  }

  toXY(p: LatLon): { x: number; y: number } {
    return { x: (p.lon - this.centre.lon) * this.mPerDegLon, y: (p.lat - this.centre.lat) * this.mPerDegLat };
  }
}

/** Great-circle distance in metres. */
export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLon = (b.lon - a.lon) * DEG;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Initial bearing a -> b in degrees clockwise from north, [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const φ1 = a.lat * DEG;
  const φ2 = b.lat * DEG;
  const dλ = (b.lon - a.lon) * DEG;
  const y = Math.sin(dλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(dλ);
  return normDeg(Math.atan2(y, x) / DEG);
}

/** Heading of a planar vector (x east, y north) in degrees clockwise from north. */
export function headingOfXY(dx: number, dy: number): number {
  return normDeg(Math.atan2(dx, dy) / DEG);
}

export function normDeg(d: number): number {
  const r = d % 360;
  const n = r < 0 ? r + 360 : r;
  return n >= 360 ? 0 : n;
}

/** Signed smallest difference b - a in degrees, in (-180, 180]. */
export function angleDiffDeg(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}
