// Typed errors of the SDK. Every error carries a stable `code` for machines and a message for people.

/** A createClient option (or a remote config field) has a bad value. Names the option and the value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid option ${option}=${fmt(value)}: ${reason}`);
  }
}

/** A sample passed to record() is malformed. `index` is its position in the array form. */
export class SampleError extends Error {
  override readonly name = 'SampleError';
  readonly code = 'sample_invalid';
  constructor(
    readonly index: number,
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`sample[${index}].${field}=${fmt(value)}: ${reason}`);
  }
}

export type StorageErrorCode = 'storage_full' | 'storage_corrupt' | 'storage_io' | 'storage_closed';

/** The outbox could not store or read data. `sqliteCode` is the driver code (e.g. SQLITE_FULL) when known. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly sqliteCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `e` as a StorageError: itself when it is one, else storage_io with its message and `cause` (the one place
 * the outbox and the client turn an unexpected storage failure into an SDK error).
 */
export function asStorageError(e: unknown): StorageError {
  return e instanceof StorageError ? e : new StorageError('storage_io', String((e as Error)?.message ?? e), undefined, { cause: e });
}

export type LinkErrorCode =
  'connect_failed' | 'credentials_failed' | 'publish_failed' | 'subscribe_failed' | 'remote_config_invalid' | 'flush_timeout' | 'client_closed';

/** Transport, downlink and lifecycle problems. Reported through the `error` event; never thrown into the host. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type FleetwireError = ConfigError | SampleError | StorageError | LinkError;

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
