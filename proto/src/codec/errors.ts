/** Machine-readable reasons a payload is rejected. Stable: they appear in dead letters and metrics. */
export type ReasonCode =
  | 'payload_empty'
  | 'payload_too_large'
  | 'decode_failed'
  | 'missing_field'
  | 'bad_identifier'
  | 'track_length_mismatch'
  | 'too_many_samples'
  | 'too_many_events'
  | 'lat_out_of_range'
  | 'lon_out_of_range'
  | 'time_not_monotonic'
  | 'time_out_of_range'
  | 'value_out_of_range'
  | 'json_invalid';

/** A rejected payload: `code` for machines, `message` for people. Never thrown past a codec boundary. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: ReasonCode,
    message: string,
  ) {
    super(message);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CodecError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ReasonCode, message: string): Result<T> => ({
  ok: false,
  error: new CodecError(code, message),
});
