/** Sample and chunk types produced by every drive source (synthetic or replayed). */
import type { AccelSample, GpsSample } from '@fleetwire/proto';
import type { TruthEvent } from './vehicle.js';

export type GpsSim = GpsSample & { kind: 'gps' };
export type AccelSim = AccelSample & { kind: 'accel' };
export type SimSample = GpsSim | AccelSim;

/** Samples of one device for the virtual time window [fromMs, toMs), in time order. */
export interface SampleChunk {
  fromMs: number;
  toMs: number;
  samples: SimSample[];
  /** Ground truth (synthetic drives only). */
  events: TruthEvent[];
}
