/**
 * SQL that Grafana's ClickHouse data source (OpenTelemetry mode) sends, as its query builder writes
 * it (reference/clickhouse-otel-schema.md), for the tests that run it on stored data.
 */

/** The trace search: root spans with a duration between `from` and `to` (SQL expressions), newest first. */
export function grafanaTraceSearch(from: string, to: string): string {
  return (
    `SELECT "TraceId" as traceID, "ServiceName" as serviceName, "SpanName" as operationName, "Timestamp" as startTime, multiply("Duration", 0.000001) as duration ` +
    `FROM "default"."otel_traces" WHERE ( Timestamp >= ${from} AND Timestamp <= ${to} ) AND ( ParentSpanId = '' ) AND ( Duration > 0 ) ` +
    `ORDER BY Timestamp DESC, Duration DESC LIMIT 1000`
  );
}

/** The trace view of `traceId`, its time range found through `otel_traces_trace_id_ts`. */
export function grafanaTraceView(traceId: string): string {
  return (
    `WITH '${traceId}' as __gf_trace_id, (SELECT min(Start) FROM "default"."otel_traces_trace_id_ts" WHERE TraceId = __gf_trace_id) as __gf_trace_start, ` +
    `(SELECT max(End) + 1 FROM "default"."otel_traces_trace_id_ts" WHERE TraceId = __gf_trace_id) as __gf_trace_end ` +
    `SELECT "TraceId" as traceID, "SpanId" as spanID, "ParentSpanId" as parentSpanID, "ServiceName" as serviceName, "SpanName" as operationName, ` +
    `multiply(toUnixTimestamp64Nano("Timestamp"), 0.000001) as startTime, multiply("Duration", 0.000001) as duration, ` +
    `arrayMap(key -> map('key', key, 'value',"SpanAttributes"[key]), mapKeys("SpanAttributes")) as tags, ` +
    `arrayMap(key -> map('key', key, 'value',"ResourceAttributes"[key]), mapKeys("ResourceAttributes")) as serviceTags, ` +
    `if("StatusCode" IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) as statusCode, ` +
    `arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)), arrayMap( key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(name String, timestamp String, fields Array(Map(String, String))), "Events".Name, "Events".Timestamp, "Events".Attributes) AS logs, ` +
    `arrayMap((traceID, spanID, attributes) -> tuple(traceID, spanID, arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(traceID String, spanID String, tags Array(Map(String, String))), "Links".TraceId, "Links".SpanId, "Links".Attributes) AS references, ` +
    `"SpanKind" as kind, "StatusMessage" as statusMessage, "TraceState" as traceState ` +
    `FROM "default"."otel_traces" WHERE traceID = __gf_trace_id AND "Timestamp" >= __gf_trace_start AND "Timestamp" <= __gf_trace_end`
  );
}
