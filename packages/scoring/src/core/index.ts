export * from './config.js';
export * from './features.js';
export * from './geo.js';
export * from './ids.js';
export * from './types.js';
export { severity, accelHorizontalPeaks } from './detect.js';
export * from './engine.js';
export * from './simulate.js';
export * from './batch-time.js';
