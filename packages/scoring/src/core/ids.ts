import { createHash } from 'node:crypto';
import { identityKey } from '@fleetwire/proto';

/** Namespace of all fleetwire scoring ids (a fixed random UUID). */
const NAMESPACE = Buffer.from('6f1c5e2a9b7d4c3e8a1f0b2d3c4e5f60', 'hex');

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name): the same name always gives the same id. */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

// Names hold the tenant-scoped identity "<tenant>/<id>" (identityKey): equal ids of two tenants never share
// a trip, event or score id. (Ids of rows written before schema v2 were derived from the bare id.)
export const tripId = (tenant: string, deviceId: string, startMs: number): string => uuidV5(`trip:${identityKey(tenant, deviceId)}:${startMs}`);
export const eventId = (tenant: string, deviceId: string, type: number, tMs: number): string => uuidV5(`event:${identityKey(tenant, deviceId)}:${type}:${tMs}`);
export const tripScoreId = (tripIdValue: string, modelVersion: string): string => uuidV5(`score:trip:${tripIdValue}:${modelVersion}`);
export const periodScoreId = (tenant: string, driverId: string, startMs: number, endMs: number, modelVersion: string): string =>
  uuidV5(`score:period:${identityKey(tenant, driverId)}:${startMs}:${endMs}:${modelVersion}`);
