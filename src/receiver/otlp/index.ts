/**
 * OTLP/HTTP payload codecs: request decoders into the internal batch type, and the response
 * bodies (Export*ServiceResponse, google.rpc.Status) the receiver sends back.
 *
 * Behaviour shared by the four decoders:
 * - A record (span or log record) with an ID of the wrong length is left out and counted in
 *   `DecodeResult.rejected`, with an English `message` for `partial_success.error_message`;
 *   anything else undecodable fails the whole request with {@link OtlpDecodeError} (→ 400).
 * - Scope and resource groups without records (sent empty, or emptied by rejections) are dropped,
 *   so every group in a batch holds at least one record.
 * - Invalid UTF-8 in protobuf strings becomes U+FFFD, as protobufjs on Node decodes it (the
 *   Collector's pdata keeps the raw bytes; protobuf-go would refuse the message). A JSON body
 *   must be valid UTF-8. An empty protobuf body is an empty request; an empty JSON body is
 *   not valid JSON (400), as in the Collector.
 * - Unknown enum numbers are kept as they are (proto3 enums are open).
 */
export { OtlpDecodeError } from './errors.ts';
export type { DecodeResult } from './rejections.ts';
export { decodeTracesProtobuf } from './protobuf/traces.ts';
export { decodeLogsProtobuf } from './protobuf/logs.ts';
export { decodeMetricsProtobuf } from './protobuf/metrics.ts';
export { decodeTracesJson } from './json/traces.ts';
export { decodeLogsJson } from './json/logs.ts';
export { decodeMetricsJson } from './json/metrics.ts';
export { encodeExportResponse, encodeStatus, type OtlpFormat } from './responses.ts';
export { MAX_NESTING_DEPTH, MAX_RESPONSE_MESSAGE_CHARS } from './limits.ts';
