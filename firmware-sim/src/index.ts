export * from './core/index.js';
export { runFleet, parseGatewayUrl, type FleetOptions, type Credentials } from './runner.js';
export { runFleetInWorkers, type WorkersOptions } from './fleet-workers.js';
export { fleetOptionsFromArgs } from './run-options.js';
export { mergeProgress, mergeSummaries } from './merge-summaries.js';
export { formatSummary, progressLine, type FleetSummary, type FleetProgress, type DeviceSummary } from './summary.js';
export { NetworkShaper, type ShaperStats } from './adapters/net-shaper.js';
export { loadRecording } from './load-recording.js';
export { exportDrive } from './export.js';
export {
  parseCli,
  USAGE,
  RUN_OPTIONS,
  RUN_DEFAULTS,
  EXPORT_OPTIONS,
  EXPORT_DEFAULTS,
  duration as durationOption,
  speedup as speedupOption,
  type CliArgs,
  type RunArgs,
  type ExportArgs,
} from './cli-args.js';
