export { fleetwire } from './generated/fleetwire.js';
export * from './codec/errors.js';
export * from './codec/limits.js';
export * from './codec/samples.js';
export * from './codec/tracks.js';
export * from './codec/batch.js';
export { validateDeviceBatch, validateId } from './codec/validate.js';
export * from './topics.js';
export * from './provision-topics.js';
