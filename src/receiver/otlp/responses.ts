import { MAX_RESPONSE_MESSAGE_CHARS } from './limits.ts';

/** The partial success's count field in OTLP/JSON (field 1 of each Export*PartialSuccess). */
const REJECTED_FIELD = { traces: 'rejectedSpans', logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints' } as const;

/** Wire formats of OTLP/HTTP; a response uses the request's (OTLP/HTTP "Response"). */
export type OtlpFormat = 'protobuf' | 'json';

/**
 * Encodes an `ExportTraceServiceResponse` / `ExportLogsServiceResponse` /
 * `ExportMetricsServiceResponse` for a 200 answer.
 *
 * `partial_success` is set only when `rejected > 0` or `message !== ''` (OTLP: a partial success
 * with 0 rejected is a warning and must carry a message). Full success is the empty message:
 * zero bytes in protobuf, `{}` in JSON. In JSON the int64 count is a decimal string, e.g.
 * `{"partialSuccess":{"rejectedSpans":"3","errorMessage":"…"}}` (`rejectedLogRecords` for logs,
 * `rejectedDataPoints` for metrics).
 * Messages longer than {@link MAX_RESPONSE_MESSAGE_CHARS} are cut, as the spec allows.
 *
 * @param rejected a non-negative safe integer; anything else is a programming error (RangeError).
 */
export function encodeExportResponse(
  signal: 'traces' | 'logs' | 'metrics',
  format: OtlpFormat,
  rejected: number,
  message: string,
): Buffer {
  if (!Number.isSafeInteger(rejected) || rejected < 0) {
    throw new RangeError(`rejected must be a non-negative integer, got ${rejected}`);
  }
  const msg = trimMessage(message);
  const partial = rejected > 0 || msg !== '';
  if (format === 'json') {
    if (!partial) return Buffer.from('{}');
    const partialSuccess: Record<string, string> = {};
    if (rejected > 0) partialSuccess[REJECTED_FIELD[signal]] = String(rejected);
    if (msg !== '') partialSuccess.errorMessage = msg;
    return Buffer.from(JSON.stringify({ partialSuccess }));
  }
  if (!partial) return Buffer.alloc(0);
  // Export*PartialSuccess { int64 rejected_* = 1; string error_message = 2; }
  const inner: number[] = [];
  if (rejected > 0) {
    inner.push(0x08);
    pushVarint(inner, rejected);
  }
  pushString(inner, 0x12, msg);
  // Export*ServiceResponse { Export*PartialSuccess partial_success = 1; }
  const out: number[] = [0x0a];
  pushVarint(out, inner.length);
  return Buffer.from(out.concat(inner));
}

/**
 * Encodes a `google.rpc.Status` { int32 code = 1; string message = 2 } for a 4xx/5xx answer
 * (OTLP/HTTP "Failures"). In JSON: `{"code":3,"message":"…"}`; in protobuf, proto3 defaults
 * (code 0, empty message) are omitted. `details` is not produced.
 *
 * @param code a gRPC status code (e.g. 3 INVALID_ARGUMENT); any int32.
 */
export function encodeStatus(format: OtlpFormat, code: number, message: string): Buffer {
  if (!Number.isInteger(code) || code < -0x8000_0000 || code > 0x7fff_ffff) {
    throw new RangeError(`code must be an int32, got ${code}`);
  }
  const msg = trimMessage(message);
  if (format === 'json') return Buffer.from(JSON.stringify({ code, message: msg }));
  const out: number[] = [];
  if (code !== 0) {
    out.push(0x08);
    // A negative int32 is sign-extended to 64 bits on the wire (10 bytes), per the proto spec.
    pushVarint(out, code < 0 ? BigInt.asUintN(64, BigInt(code)) : code);
  }
  pushString(out, 0x12, msg);
  return Buffer.from(out);
}

/** Cuts a message to the response limit without splitting a surrogate pair. */
function trimMessage(message: string): string {
  if (message.length <= MAX_RESPONSE_MESSAGE_CHARS) return message;
  let cut = MAX_RESPONSE_MESSAGE_CHARS - 1; // room for the ellipsis
  const last = message.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${message.slice(0, cut)}…`;
}

function pushVarint(out: number[], value: number | bigint): void {
  let v = BigInt(value);
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Appends a string field (`tag` is its LEN tag byte); proto3 omits an empty string. */
function pushString(out: number[], tag: number, s: string): void {
  if (s === '') return;
  const bytes = Buffer.from(s, 'utf8');
  out.push(tag);
  pushVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}
