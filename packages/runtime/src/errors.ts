// The one error hierarchy of fleetwire's servers (gateway, scorer, simulator, demo), after kafkajs' single
// KafkaJSError: every error has a stable machine-readable `code`, a message for people, `retriable` (true
// when trying the same thing again later may succeed) and an optional `cause`.

export interface FleetwireErrorOptions {
  cause?: unknown;
  /** Trying the same operation again later may succeed (a timeout, a server away). Default false. */
  retriable?: boolean;
}

export class FleetwireError<Code extends string = string> extends Error {
  override name = 'FleetwireError';
  readonly retriable: boolean;
  constructor(
    readonly code: Code,
    message: string,
    options: FleetwireErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/**
 * A setting (environment variable, command-line flag or option passed in code) has a bad value, or a required
 * one is missing. The message names the setting and the value. Exit code 2 from every CLI.
 */
export class ConfigError extends FleetwireError<'config_invalid'> {
  override name = 'ConfigError';
  constructor(
    message: string,
    options: FleetwireErrorOptions & {
      /** The environment variable, flag (with its --) or option that is wrong, when there is one. */
      setting?: string;
      value?: unknown;
    } = {},
  ) {
    super('config_invalid', message, options);
    if (options.setting !== undefined) this.setting = options.setting;
    if ('value' in options) this.value = options.value;
  }
  readonly setting?: string;
  readonly value?: unknown;
}

/** `e` as an Error (wrapping strings and other thrown values), for logging and `cause`. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
