export * from './core/index.js';
export { runFleet, parseGatewayUrl, type FleetOptions, type Credentials } from './runner.js';
export { formatSummary, progressLine, type FleetSummary, type FleetProgress, type DeviceSummary } from './summary.js';
export { NetworkShaper, type ShaperStats } from './adapters/net-shaper.js';
export { loadRecording } from './load-recording.js';
export { exportDrive } from './export.js';
export { parseCli, CliError, USAGE, type CliArgs, type RunArgs, type ExportArgs, type DemoArgs } from './cli-args.js';
export { startEmbeddedStack, LogSink, type EmbeddedStack, type EmbeddedStackOptions } from './demo/embedded-stack.js';
export { runDemo, type DemoOptions } from './demo/run-demo.js';
