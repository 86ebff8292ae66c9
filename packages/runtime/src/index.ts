export { FleetwireError, ConfigError, asError, type FleetwireErrorOptions } from './errors.js';
export { Registry, Counter, Gauge, Histogram, DEFAULT_BUCKETS, type BoundCounter, type Labels } from './metrics.js';
export {
  loadOptions,
  parseArgs,
  parseOption,
  readEnv,
  wantsHelp,
  type Kind,
  type Option,
  type OptionTable,
  type ParsedArgs,
  type ParseArgsOptions,
} from './options.js';
export { parseBroker, parseBrokers, type BrokerAddress } from './brokers.js';
export { rangeOf, renderHelp, renderOptionsMarkdown, shownDefault, type HelpText } from './help.js';
export { mintDeviceToken, verifyDeviceToken, looksLikeToken, type MintTokenOptions, type TokenClaims, type TokenErrorCode, type TokenResult } from './token.js';
