/**
 * Deepest AnyValue nesting accepted (an array or kvlist inside another counts one level), and the
 * deepest protobuf group nesting skipped. Deeper input is rejected with OtlpDecodeError so a
 * hostile payload cannot exhaust the stack. Real telemetry rarely nests more than a handful.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Longest message (in UTF-16 code units, so at most 3× as many UTF-8 bytes) placed in a
 * response. The Collector's otlphttp exporter reads at most 64 KiB of a response body and
 * treats a body it cannot parse as a permanent error (collector `exporter/otlphttpexporter`).
 */
export const MAX_RESPONSE_MESSAGE_CHARS = 8192;
