-- otel_traces_trace_id_ts: first/last second of each trace, for Grafana's trace-ID lookup; reference §1.2.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = {{engine}}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
{{ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedupWindow}}
