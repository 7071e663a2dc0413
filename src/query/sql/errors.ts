/**
 * Errors as ClickHouse's HTTP interface sends them: `Code: N. DB::Exception: <text>. (NAME)` in the
 * body, the code in `X-ClickHouse-Exception-Code`, and the HTTP status ClickHouse gives the code.
 */

/** The ClickHouse error codes this endpoint gives itself (ErrorCodes.cpp). */
export const CODES = {
  SYNTAX_ERROR: 62,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_FORMAT: 73,
  READONLY: 164,
  AUTHENTICATION_FAILED: 516,
  REQUIRED_PASSWORD: 194,
  ACCESS_DENIED: 497,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  TIMEOUT_EXCEEDED: 159,
  BAD_ARGUMENTS: 36,
  UNKNOWN_SETTING: 115,
  NOT_IMPLEMENTED: 48,
  HTTP_LENGTH_REQUIRED: 381,
} as const;

export type ErrorName = keyof typeof CODES;

/** A refusal or failure with its ClickHouse code and name. */
export class SqlError extends Error {
  override name = 'SqlError';
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }

  static of(type: ErrorName, message: string): SqlError {
    return new SqlError(CODES[type], type, message);
  }

  /** The body ClickHouse writes for it. */
  get body(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})\n`;
  }

  get status(): number {
    return statusOf(this.code);
  }
}

const BAD_REQUEST = new Set([6, 27, 36, 43, 53, 62, 72, 167, 168, 306, 456, 457, 26, 38, 41, 69, 70, 117, 130, 131, 179, 181]);
const NOT_FOUND = new Set([46, 47, 60, 73, 81, 115, 50, 63, 117, 151]);

/**
 * ClickHouse's status for an error code (HTTPHandler's getHTTPStatusByExceptionCode), except that
 * refusals to write or to reach what a reader may not (164 READONLY, 497 ACCESS_DENIED) answer 403,
 * and a full queue (202) answers 503 so clients back off and retry.
 */
export function statusOf(code: number): number {
  if (code === CODES.REQUIRED_PASSWORD) return 401;
  if (code === CODES.AUTHENTICATION_FAILED || code === 192 || code === 193 || code === CODES.READONLY || code === CODES.ACCESS_DENIED) return 403;
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (code === CODES.TOO_MANY_SIMULTANEOUS_QUERIES) return 503;
  if (code === CODES.TIMEOUT_EXCEEDED) return 408;
  if (code === CODES.NOT_IMPLEMENTED) return 501;
  if (code === CODES.HTTP_LENGTH_REQUIRED) return 411;
  return 500;
}

const ENGINE_ERROR = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)(?:: In scope [\s\S]*?)?\.? \(([A-Z_0-9]+)\)(?: \(version [^)]*\))?\s*$/;

/**
 * An error the engine threw, as a {@link SqlError}. The parser's own errors mention the query this
 * endpoint wrapped around the user's text (`In scope SELECT formatQuerySingleLine(…)`); that part
 * is cut. Anything that does not look like a ClickHouse error is an internal one (code 1001).
 */
export function fromEngine(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const e = err as { message?: string; code?: string | number; type?: string };
  const text = String(e?.message ?? err);
  const match = ENGINE_ERROR.exec(text.startsWith('Code:') ? text : `Code: ${e?.code ?? 1001}. DB::Exception: ${text} (${e?.type ?? 'STD_EXCEPTION'})`);
  if (!match) return new SqlError(1001, 'STD_EXCEPTION', text);
  return new SqlError(Number(match[1]), match[3], match[2].replace(/\.$/, ''));
}
