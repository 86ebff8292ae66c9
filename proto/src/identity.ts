// The one encoding of a tenant-scoped identity: "<tenant>/<id>", for a device (tenant, device_id) or a driver
// (tenant, driver_id). Kafka record keys, the gateway's dedupe keys and the scorer's idempotency keys use it.
// Tenants and ids are topic segments ([A-Za-z0-9._:-]{1,128}), which never hold "/": the first "/" splits
// the key, so two different pairs can never give the same key (ids may contain ".", ":" and "-").

export const identityKey = (tenant: string, id: string): string => `${tenant}/${id}`;

/** The pair back from a key; null when the key holds no "/". */
export function parseIdentityKey(key: string): { tenant: string; id: string } | null {
  const i = key.indexOf('/');
  return i < 0 ? null : { tenant: key.slice(0, i), id: key.slice(i + 1) };
}

/**
 * The idempotency key of a telemetry batch, (tenant, device_id, boot_id, seq), as one string:
 * "<tenant>/<device>/<boot>/<seq>" (boot ids are segments too). The gateway's dedupe window and the scorer's
 * processed-batch check use it.
 */
export const batchKey = (tenant: string, deviceId: string, bootId: string, seq: number | string): string => `${tenant}/${deviceId}/${bootId}/${seq}`;
