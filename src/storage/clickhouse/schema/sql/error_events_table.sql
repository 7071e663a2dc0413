-- otelhouse_error_events: one row per error occurrence (a span's exception event or an error log),
-- written through the exporter's spool with a deduplication token, so replays are stored once.
-- Columns follow Occurrence in src/issues/types.ts; EventId is stable per occurrence (see src/issues/store/rows.ts).
-- Migration 5 adds Occurrences (error_events_occurrences.sql): this template is migration 3's and never changes.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    EventId String CODEC(ZSTD(1)),
    Fingerprint String CODEC(ZSTD(1)),
    Source LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceVersion LowCardinality(String) CODEC(ZSTD(1)),
    Environment LowCardinality(String) CODEC(ZSTD(1)),
    Platform LowCardinality(String) CODEC(ZSTD(1)),
    ExceptionType String CODEC(ZSTD(1)),
    Message String CODEC(ZSTD(1)),
    NormalizedMessage String CODEC(ZSTD(1)),
    StackTrace String CODEC(ZSTD(3)),
    Culprit String CODEC(ZSTD(1)),
    Severity LowCardinality(String) CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    UserId String CODEC(ZSTD(1)),
    InstallationId String CODEC(ZSTD(1)),
    DeviceId String CODEC(ZSTD(1)),
    SessionId String CODEC(ZSTD(1)),
    INDEX idx_event_id EventId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = {{engine}}
PARTITION BY toDate(Timestamp)
ORDER BY (Fingerprint, Timestamp)
{{ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {{dedupWindow}}
