// @fleetwire/detect: the one pure driving-event detection core, shared by the device SDK (edge events)
// and the scorer (backend events and trip features). No dependencies, no Node built-ins.
export * from './config.js';
export * from './episode.js';
export { type CleanFix, type Fix, type GpsState, headingDiffDeg, type Kinematics } from './gps.js';
export { declareGyroHandedness, estimate, type ImuState, type OrientationEstimate, type V3, type VehicleAccel } from './imu.js';
export * from './detector.js';
export * from './speed-limit.js';
export * from './phone.js';
export * from './crash.js';
