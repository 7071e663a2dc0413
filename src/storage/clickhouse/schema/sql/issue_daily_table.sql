-- otelhouse_issue_daily: events per issue, UTC day and severity, kept by otelhouse_issue_daily_mv;
-- the issue timeline reads it. No TTL: a row per issue and day is small.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Fingerprint String CODEC(ZSTD(1)),
    Day Date CODEC(Delta(2), ZSTD(1)),
    Severity LowCardinality(String) CODEC(ZSTD(1)),
    Events UInt64 CODEC(T64, ZSTD(1))
) ENGINE = {{engine}}
PARTITION BY toYYYYMM(Day)
ORDER BY (Fingerprint, Day, Severity)
SETTINGS index_granularity = 8192, {{dedupWindow}}
