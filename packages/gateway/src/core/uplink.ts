// Validation of one uplink MQTT message: topic kind, decode + bounds, device id binding. Pure.
import { batchKey, checkDeviceBatch, encodeDeviceBatch, type Limits, type ReasonCode, validateDeviceBatch, resolveLimits } from '@fleetwire/proto';
import { partnerJsonToBatch } from './partner-json.js';

/** Reasons a message is dead-lettered: the codec's reasons plus the gateway's own. */
export type GatewayReasonCode = ReasonCode | 'device_id_mismatch' | 'unsupported_kind';

export type UplinkKind = 'batch' | 'json';

export interface AcceptedUplink {
  ok: true;
  /** Bytes of the DeviceBatch as they go into TelemetryRecord.batch (verbatim for `batch`, re-encoded for `json`). */
  raw: Uint8Array;
  deviceId: string;
  bootId: string;
  seq: string;
  sourceFormat: UplinkKind;
}

export interface RejectedUplink {
  ok: false;
  code: GatewayReasonCode;
  reason: string;
}

export type UplinkResult = AcceptedUplink | RejectedUplink;

export function validateUplink(kind: string, topicDeviceId: string, payload: Uint8Array, limitsIn?: Partial<Limits>, nowMs: number = Date.now()): UplinkResult {
  const limits = resolveLimits(limitsIn);
  if (kind === 'batch') {
    // One pass over the bytes when they are plainly valid; the full decode (and its reasons) otherwise.
    const r = checkDeviceBatch(payload, { limits, nowMs });
    if (!r.ok) return { ok: false, code: r.error.code, reason: r.error.message };
    const b = r.value;
    if (b.deviceId !== topicDeviceId) {
      return { ok: false, code: 'device_id_mismatch', reason: `payload device_id ${JSON.stringify(b.deviceId)} differs from topic device ${topicDeviceId}` };
    }
    return { ok: true, raw: payload, deviceId: b.deviceId, bootId: b.bootId, seq: String(b.seq), sourceFormat: 'batch' };
  }
  if (kind === 'json') {
    const r = partnerJsonToBatch(payload, topicDeviceId, limits, nowMs);
    if (!r.ok) return { ok: false, code: r.error.code, reason: r.error.message };
    const err = validateDeviceBatch(r.batch, limits, nowMs);
    if (err) return { ok: false, code: err.code, reason: err.message };
    const raw = encodeDeviceBatch(r.batch);
    if (raw.length > limits.maxPayloadBytes)
      return { ok: false, code: 'payload_too_large', reason: `converted batch is ${raw.length} bytes, limit ${limits.maxPayloadBytes}` };
    return { ok: true, raw, deviceId: topicDeviceId, bootId: String(r.batch.bootId), seq: String(r.batch.seq), sourceFormat: 'json' };
  }
  return { ok: false, code: 'unsupported_kind', reason: `uplink kind ${JSON.stringify(kind)} is not one of batch, json` };
}

/** Dedupe key: the batch's idempotency key (tenant, device_id, boot_id, seq), proto's batchKey. */
export function dedupeKey(tenant: string, a: Pick<AcceptedUplink, 'deviceId' | 'bootId' | 'seq'>): string {
  return batchKey(tenant, a.deviceId, a.bootId, a.seq);
}
