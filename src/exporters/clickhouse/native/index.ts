/**
 * ClickHouse Native format encoders for the tables the gateway writes: `otel_traces`, `otel_logs`,
 * the five `otel_metrics_*` tables and `otelhouse_error_events`. Each call returns one Native block (as ClickHouse
 * writes `FORMAT Native` over HTTP or to a file); blocks concatenated are one Native stream, to be
 * inserted with `INSERT INTO db.t (<columns>) SELECT * FROM file('<path>', 'Native')` on the
 * embedded engine or `INSERT INTO db.t (<columns>) FORMAT Native` on a server, `<columns>` being
 * the matching `…Columns` list. Every block stores the same values as the JSONEachRow encoders
 * (`encodeSpans`, `encodeLogs`, `encodeErrorEvents`).
 *
 * The traces' and logs' `LowCardinality(String)` columns and map keys are sent with their own
 * types, a dictionary per block (`LcStrings` in columns.ts); the error events' (few rows) as
 * `String`, which ClickHouse converts on insert.
 *
 * Performance (bench/formats.bench.ts, 2 shared cores, 1000-span requests with 15 attributes;
 * bench/README.md "Insert formats"): `encodeSpansNative` takes 2.1–2.4 CPU µs/span on warm
 * batches (`encodeSpans` 7.2–8.2) and 4.4–7.3 on freshly decoded ones, GC included (7.6–9.3, and
 * 11.2–11.5 with the text's UTF-8 bytes). Inserting the blocks from a file costs ~12 µs/row of
 * whole-process CPU against 18 for the same rows as JSONEachRow from a file and 33 through the
 * client. Table-typed Native written by ClickHouse inserted at ~9.6; the encoder's own
 * LowCardinality blocks (one dictionary per 100-span request) made no difference beyond this
 * machine's noise (13.4 vs 13.6 µs/row, merges stopped) but shrank the blocks by ~40 %.
 */
export type { NativeBlock } from './block.ts';
export { encodeSpansNative, spanColumns } from './spans.ts';
export { encodeLogsNative, logColumns } from './logs.ts';
export { encodeErrorEventsNative, errorEventColumns } from './errorEvents.ts';
export { encodeMetricsNative, metricColumns, type MetricTableRole } from './metrics.ts';
