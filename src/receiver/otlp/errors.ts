/**
 * Thrown when a request body cannot be decoded at all (malformed protobuf, invalid JSON, a
 * value of the wrong JSON type in a structural place, nesting deeper than the limit). The
 * receiver answers it with `400 Bad Request` and a `google.rpc.Status` body carrying `message`
 * (OTLP/HTTP "Bad Data": a permanent failure the client must not retry).
 *
 * The decoders never throw anything else.
 */
export class OtlpDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}

/**
 * Rewraps anything that is not already an {@link OtlpDecodeError}. The decoders are written not
 * to throw anything else; this is the backstop that keeps the contract if one ever does.
 */
export function asDecodeError(err: unknown): OtlpDecodeError {
  if (err instanceof OtlpDecodeError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new OtlpDecodeError(`undecodable payload: ${detail}`, { cause: err });
}
