export { startEmbeddedStack, LogSink, gpsPaths, type EmbeddedStack, type EmbeddedStackOptions } from './embedded-stack.js';
export { runDemo, type DemoOptions } from './run-demo.js';
export { renderReport, histogram, type ReportData } from './report.js';
export { driverSummary, eventCounts, renderTable, scoreValues, tripPoints, type DriverRow, type EventCount, type TripPoint } from './summary.js';
export { parseDemoArgs, DEMO_OPTIONS, DEMO_DEFAULTS, USAGE, type DemoArgs } from './cli-args.js';
