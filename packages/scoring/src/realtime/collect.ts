// Turns core outputs into rows + announcements: micro-batched inference for every trip in a Kafka batch.
import { performance } from 'node:perf_hooks';
import { tripScoreId } from '../core/ids.js';
import type { BatchSummary, CompletedTrip, DetectedEvent, DeviceState } from '../core/types.js';
import type { RiskModel, ScoredSums } from '../adapters/onnx/model.js';
import type { BatchWrite } from '../adapters/pg/store.js';
import type { ScoringMetrics } from '../ops/metrics.js';
import { type Emission, isEmptyEmission, type ScoreOut } from './emit.js';

export interface Who {
  tenant: string;
  driverId: string;
}

export class Collected {
  summaries: { s: BatchSummary; tenant: string; driverId: string }[] = [];
  trips: { t: CompletedTrip; who: Who }[] = [];
  events: { e: DetectedEvent; who: Who }[] = [];
  /** Keyed by deviceKey: "<tenant>/<device>". */
  states = new Map<string, DeviceState>();
}

export async function scoreCollected(c: Collected, model: RiskModel, source: string, metrics?: ScoringMetrics): Promise<BatchWrite> {
  let scored: ScoredSums[] = [];
  if (c.trips.length > 0) {
    const t0 = performance.now();
    scored = await model.scoreSums(c.trips.map((x) => x.t.sums));
    metrics?.inference.observe((performance.now() - t0) / 1000);
  }
  const trips: BatchWrite['trips'] = [];
  const scores: ScoreOut[] = [];
  c.trips.forEach(({ t, who }, i) => {
    const { risk, score, factors, features } = scored[i]!;
    trips.push({ t, tenant: who.tenant, driverId: who.driverId, risk, score, modelVersion: model.version });
    scores.push({
      scoreId: tripScoreId(t.tripId, model.version),
      tenant: who.tenant,
      driverId: who.driverId,
      deviceId: t.deviceId,
      tripId: t.tripId,
      scope: 'trip',
      risk,
      score,
      modelVersion: model.version,
      features,
      featureNames: [...model.features],
      factors,
      computedAtMs: t.endMs,
      periodStartMs: t.startMs,
      periodEndMs: t.endMs,
    });
  });
  const emission: Emission = {
    trips: trips.map(({ t, tenant, driverId }) => ({
      tripId: t.tripId,
      tenant,
      deviceId: t.deviceId,
      driverId,
      startMs: t.startMs,
      endMs: t.endMs,
      distanceM: t.sums.distance_m,
      maxSpeedKmh: t.sums.max_speed_ms * 3.6,
      meanSpeedKmh: t.features[0]!,
      harshBraking: t.sums.harsh_braking,
      harshAcceleration: t.sums.harsh_acceleration,
      harshCornering: t.sums.harsh_cornering,
      speedingS: t.sums.speeding_s,
      nightFraction: t.features[7]!,
      startLatE7: t.startLatE7,
      startLonE7: t.startLonE7,
      endLatE7: t.endLatE7,
      endLonE7: t.endLonE7,
      phoneUseS: t.sums.phone_use_s ?? 0,
      phoneUseEvents: t.sums.phone_use_events ?? 0,
    })),
    scores,
    alerts: c.events.map(({ e, who }) => ({ tenant: who.tenant, driverId: who.driverId, event: e })),
  };
  return {
    source,
    summaries: c.summaries,
    trips,
    events: c.events.map(({ e, who }) => ({ e, tenant: who.tenant, driverId: who.driverId })),
    scores,
    states: [...c.states.values()],
    emission: isEmptyEmission(emission) ? null : emission,
  };
}
