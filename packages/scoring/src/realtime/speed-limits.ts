// The real-time scorer's use of a SpeedLimitSource: fills limits the devices did not send, before the core
// runs. A failing source never blocks scoring: those fixes keep "unknown" and the default applies.
import type pino from 'pino';
import type { CoreConfig } from '../core/config.js';
import { detectConfigOf } from '../core/detect.js';
import type { TelemetryInput } from '../core/engine.js';
import { applySpeedLimits, type SpeedLimitSource } from '../core/speed-limit.js';

export async function fillSpeedLimits(
  inputs: TelemetryInput[],
  source: SpeedLimitSource,
  cfg: CoreConfig,
  log?: pino.Logger,
): Promise<{ filled: number; failed: number }> {
  const defaults = detectConfigOf(cfg);
  let filled = 0;
  let failed = 0;
  for (const input of inputs) {
    try {
      filled += await applySpeedLimits(input, source, defaults);
    } catch (e) {
      failed++;
      log?.warn({ err: (e as Error).message, source: source.name, deviceId: input.deviceId }, 'speed-limit source failed; default limits apply');
    }
  }
  return { filled, failed };
}
