// Turns committed outputs (the outbox payload) into Redis operations and Kafka messages.
import { fleetwire, identityKey, KAFKA_TOPICS, SCHEMAS } from '@fleetwire/proto';
import { FEATURES } from '../core/features.js';
import { type CacheOp, featuresKey, scoreKey, scoresChannel } from '../adapters/cache.js';
import type { OutMessage } from '../adapters/source.js';
import type { DetectedEvent, Severity } from '../core/types.js';

const v1 = fleetwire.v1;

export interface TripOut {
  tripId: string;
  tenant: string;
  deviceId: string;
  driverId: string;
  startMs: number;
  endMs: number;
  distanceM: number;
  maxSpeedKmh: number;
  meanSpeedKmh: number;
  harshBraking: number;
  harshAcceleration: number;
  harshCornering: number;
  speedingS: number;
  nightFraction: number;
  /** Absent in outbox rows written before issue 17. */
  phoneUseS?: number;
  phoneUseEvents?: number;
  startLatE7: number;
  startLonE7: number;
  endLatE7: number;
  endLonE7: number;
}

export interface ScoreOut {
  scoreId: string;
  tenant: string;
  driverId: string;
  deviceId: string;
  tripId: string;
  scope: 'trip' | 'period';
  risk: number;
  score: number;
  modelVersion: string;
  /** The model's input vector, named by featureNames (absent in outbox rows of v1-era code: FEATURES). */
  features: number[];
  featureNames?: string[];
  /** Per-factor 0-100 scores (v2+ models; {} for v1). */
  factors?: Record<string, number>;
  computedAtMs: number;
  periodStartMs: number;
  periodEndMs: number;
}

export interface AlertOut {
  tenant: string;
  driverId: string;
  event: DetectedEvent;
}

/** Everything one committed transaction must announce. JSON: it is stored in the outbox. */
export interface Emission {
  trips: TripOut[];
  scores: ScoreOut[];
  alerts: AlertOut[];
}

export const emptyEmission = (): Emission => ({ trips: [], scores: [], alerts: [] });
export const isEmptyEmission = (e: Emission): boolean => e.trips.length + e.scores.length + e.alerts.length === 0;

export interface EmitTopics {
  trips: string;
  scores: string;
  alerts: string;
  deadletter: string;
}
export const DEFAULT_EMIT_TOPICS: EmitTopics = {
  trips: KAFKA_TOPICS.trips,
  scores: KAFKA_TOPICS.scores,
  alerts: KAFKA_TOPICS.alerts,
  deadletter: KAFKA_TOPICS.deadletter,
};

const headers = (schema: string, tenant: string): Record<string, string> => ({ schema, tenant });

/**
 * Redis refresh for scores, per tenant: the latest score per driver (fw:{<tenant>}:score:<driver>, JSON), the
 * tenant's features hash (fw:{<tenant>}:features, field = driver, JSON of features by name) and a message on
 * the tenant's channel fw:{<tenant>}:scores. Real-time: one message per score. grouped (batch): one MSET, one
 * HSET and one message per 1000 scores of a tenant ({"scope":"period","scores":[...]}), which is what makes
 * 100k drivers cheap.
 */
export function cacheOps(e: Emission, prefix = 'fw:', grouped = false): CacheOp[] {
  if (e.scores.length === 0) return [];
  const byTenant = new Map<string, ScoreOut[]>();
  for (const s of e.scores) {
    const list = byTenant.get(s.tenant);
    if (list) list.push(s);
    else byTenant.set(s.tenant, [s]);
  }
  const ops: CacheOp[] = [];
  for (const [tenant, scores] of byTenant) {
    const latest = scores.map((s) =>
      JSON.stringify({
        tenant: s.tenant,
        driverId: s.driverId,
        risk: s.risk,
        score: s.score,
        scope: s.scope,
        tripId: s.tripId || null,
        deviceId: s.deviceId || null,
        modelVersion: s.modelVersion,
        computedAtMs: s.computedAtMs,
        periodStartMs: s.periodStartMs,
        periodEndMs: s.periodEndMs,
        factors: s.factors ?? {},
      }),
    );
    const feats: Record<string, string> = {};
    for (const s of scores) {
      const f: Record<string, number | string> = { model_version: s.modelVersion };
      (s.featureNames ?? FEATURES).forEach((n, i) => (f[n] = s.features[i] ?? 0));
      feats[s.driverId] = JSON.stringify(f);
    }
    const channel = scoresChannel(tenant, prefix);
    ops.push(
      { op: 'mset', pairs: scores.map((s, i) => [scoreKey(tenant, s.driverId, prefix), latest[i]!]) },
      { op: 'hset', key: featuresKey(tenant, prefix), fields: feats },
    );
    if (!grouped) for (const m of latest) ops.push({ op: 'publish', channel, message: m });
    else
      for (let i = 0; i < latest.length; i += 1000)
        ops.push({ op: 'publish', channel, message: `{"scope":"period","scores":[${latest.slice(i, i + 1000).join(',')}]}` });
  }
  return ops;
}

const SCOPE = { trip: v1.ScoreScope.SCORE_SCOPE_TRIP, period: v1.ScoreScope.SCORE_SCOPE_PERIOD };

export function kafkaMessages(e: Emission, topics: EmitTopics = DEFAULT_EMIT_TOPICS): { topic: string; messages: OutMessage[] }[] {
  // Record keys are the tenant-scoped identity "<tenant>/<id>" (proto/README): device for trips and alerts,
  // driver for scores. One device's (or driver's) messages stay on one partition, in order.
  const trips: OutMessage[] = e.trips.map((t) => ({
    key: identityKey(t.tenant, t.deviceId),
    headers: headers(SCHEMAS.trips, t.tenant),
    value: v1.TripCompleted.encode({
      tripId: t.tripId,
      tenant: t.tenant,
      deviceId: t.deviceId,
      driverId: t.driverId,
      startMs: t.startMs,
      endMs: t.endMs,
      distanceM: t.distanceM,
      maxSpeedKmh: t.maxSpeedKmh,
      meanSpeedKmh: t.meanSpeedKmh,
      harshBraking: t.harshBraking,
      harshAcceleration: t.harshAcceleration,
      harshCornering: t.harshCornering,
      speedingS: Math.round(t.speedingS),
      nightFraction: t.nightFraction,
      startLatE7: t.startLatE7,
      startLonE7: t.startLonE7,
      endLatE7: t.endLatE7,
      endLonE7: t.endLonE7,
      phoneUseS: Math.round(t.phoneUseS ?? 0),
      phoneUseEvents: t.phoneUseEvents ?? 0,
    }).finish(),
  }));
  const scores: OutMessage[] = e.scores.map((s) => ({
    key: identityKey(s.tenant, s.driverId),
    headers: headers(SCHEMAS.scores, s.tenant),
    value: v1.RiskScoreCalculated.encode({
      tenant: s.tenant,
      driverId: s.driverId,
      deviceId: s.deviceId,
      tripId: s.tripId,
      scope: SCOPE[s.scope],
      risk: s.risk,
      score: s.score,
      modelVersion: s.modelVersion,
      features: s.features,
      computedAtMs: s.computedAtMs,
      periodStartMs: s.periodStartMs,
      periodEndMs: s.periodEndMs,
      factors: s.factors ?? {},
    }).finish(),
  }));
  const alerts: OutMessage[] = e.alerts.map((a) => ({
    key: identityKey(a.tenant, a.event.deviceId),
    headers: headers(SCHEMAS.alerts, a.tenant),
    value: v1.SafetyAlert.encode({
      tenant: a.tenant,
      deviceId: a.event.deviceId,
      driverId: a.driverId,
      tripId: a.event.tripId ?? '',
      event: {
        type: a.event.type,
        tMs: a.event.tMs,
        durationMs: a.event.durationMs,
        peak: a.event.peak,
        latE7: a.event.latE7,
        lonE7: a.event.lonE7,
        speedCms: a.event.speedCms,
        crash: a.event.crash ?? null,
      },
      severity: a.event.severity satisfies Severity,
      detectedByBackend: a.event.source !== 'edge',
    }).finish(),
  }));
  return [
    { topic: topics.trips, messages: trips },
    { topic: topics.scores, messages: scores },
    { topic: topics.alerts, messages: alerts },
  ].filter((x) => x.messages.length > 0);
}

/** A dead letter for fw.deadletter.v1, keyed "<tenant>/<device>" (or the input record's own key when its tenant is unknown). */
export function deadLetter(o: {
  reasonCode: string;
  reason: string;
  source: string;
  deviceId: string;
  tenant?: string;
  key?: string;
  payload: Uint8Array | null;
  maxBytes?: number;
}): OutMessage {
  const max = o.maxBytes ?? 64 * 1024;
  const p = o.payload ?? new Uint8Array(0);
  const key = o.tenant ? identityKey(o.tenant, o.deviceId || 'unknown') : o.key || 'unknown';
  return {
    key,
    headers: headers(SCHEMAS.deadletter, o.tenant ?? ''),
    value: v1.DeadLetter.encode({
      reasonCode: o.reasonCode,
      reason: o.reason,
      stage: 'scoring-rt',
      tenant: o.tenant ?? '',
      deviceId: o.deviceId,
      source: o.source,
      receivedAtMs: Date.now(),
      payload: p.subarray(0, max),
      payloadTruncated: p.length > max,
    }).finish(),
  };
}
