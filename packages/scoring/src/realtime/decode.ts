// One log batch -> telemetry items for the core, and dead letters for records that fail to decode.
import { decodeRecordColumns, parseIdentityKey, type RecordColumns } from '@fleetwire/proto';
import type { TelemetryInput } from '../core/engine.js';
import { fallbackTime } from '../core/batch-time.js';
import type { OutMessage, SourceBatch, SourceMessage } from '../adapters/source.js';
import { deadLetter } from './emit.js';

/** A decoded record and what is needed to dead-letter it later (its bytes and where it came from). */
export interface Item {
  tenant: string;
  input: TelemetryInput;
  /** "<topic>/<partition>/<offset>" */
  source: string;
  payload: Buffer;
}

export interface Rejected {
  tenant?: string;
  code: string;
  reason: string;
  source: string;
  deviceId: string;
  message: OutMessage;
}

export function decodeBatch(batch: SourceBatch, nowMs: number): { items: Item[]; rejected: Rejected[] } {
  const where = `${batch.topic}/${batch.partition}`;
  const items: Item[] = [];
  const rejected: Rejected[] = [];
  for (const m of batch.messages) {
    const source = `${where}/${m.offset}`;
    const r = m.value ? decodeRecordColumns(m.value, { nowMs }) : null;
    if (!r || !r.ok) {
      const code = r ? r.error.code : 'payload_empty';
      const reason = r ? r.error.message : 'record has no value';
      // The gateway keys records "<tenant>/<device>": name both when the key says so.
      const key = m.key?.toString('utf8') ?? '';
      const id = parseIdentityKey(key);
      const deviceId = id?.id ?? key;
      const tenant = id?.tenant;
      rejected.push({
        code,
        reason,
        source,
        tenant,
        deviceId,
        message: deadLetter({ reasonCode: code, reason, source, deviceId, tenant, key, payload: m.value }),
      });
      continue;
    }
    const rec = r.value;
    items.push({
      tenant: rec.tenant,
      source,
      payload: m.value!,
      input: {
        deviceId: rec.deviceId,
        bootId: rec.bootId,
        seq: rec.seq,
        gps: rec.gps,
        accel: rec.accel,
        gyro: rec.gyro,
        phone: rec.phone,
        edgeEvents: edgeEvents(rec.events),
        eventT: eventTimes(rec),
        fallbackTimeMs: fallbackTime({ sentAtMs: rec.sentAtMs, receivedAtMs: rec.receivedAtMs, logTimeMs: logTime(m), nowMs }).t,
      },
    });
  }
  return { items, rejected };
}

const logTime = (m: SourceMessage): number | undefined => (m.timestamp === undefined ? undefined : Number(m.timestamp));

/** Times of the record's edge events, then of its phone states. */
function eventTimes(rec: RecordColumns): number[] {
  const out = rec.events.map((e) => Number(e.tMs ?? 0));
  if (rec.phone) for (const t of rec.phone.t) out.push(t);
  return out;
}

/** The edge events the core forwards (CRASH), in wire units. */
function edgeEvents(evs: readonly import('@fleetwire/proto').fleetwire.v1.IEdgeEvent[] | null | undefined): TelemetryInput['edgeEvents'] {
  const out: NonNullable<TelemetryInput['edgeEvents']> = [];
  for (const e of evs ?? []) {
    if (e.type !== 7) continue;
    out.push({
      type: 7,
      tMs: Number(e.tMs ?? 0),
      durationMs: e.durationMs ?? 0,
      peak: e.peak ?? 0,
      latE7: e.latE7 ?? 0,
      lonE7: e.lonE7 ?? 0,
      speedCms: e.speedCms ?? 0,
      crash: e.crash ?? null,
    });
  }
  return out.length ? out : null;
}
