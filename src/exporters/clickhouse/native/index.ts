/**
 * ClickHouse Native format encoders for the three tables the gateway writes: `otel_traces`,
 * `otel_logs` and `otelhouse_error_events`. Each call returns one Native block (as ClickHouse
 * writes `FORMAT Native` over HTTP or to a file); blocks concatenated are one Native stream, to be
 * inserted with `INSERT INTO db.t (<columns>) SELECT * FROM file('<path>', 'Native')` on the
 * embedded engine or `INSERT INTO db.t (<columns>) FORMAT Native` on a server, `<columns>` being
 * the matching `…Columns` list. Every block stores the same values as the JSONEachRow encoders
 * (`encodeSpans`, `encodeLogs`, `encodeErrorEvents`).
 *
 * `LowCardinality(String)` columns are sent as `String` and `Map(LowCardinality(String), String)`
 * as `Map(String, String)`: ClickHouse converts them on insert.
 *
 * Performance (bench/formats.bench.ts, 2-core machine, 1000-span batches with 15 attributes):
 * see bench/README.md, "Insert formats", for the figures measured with this code.
 */
export type { NativeBlock } from './block.ts';
export { encodeSpansNative, spanColumns } from './spans.ts';
export { encodeLogsNative, logColumns } from './logs.ts';
export { encodeErrorEventsNative, errorEventColumns } from './errorEvents.ts';
