-- otelhouse_issue_state: the mutable state of each issue as versioned rows; the row with the highest
-- Version wins (read with FINAL or argMax). Times have millisecond precision; 0 (1970-01-01) = unset.
-- IgnoreUntilEvents: the ignore ends once the issue's event count reaches IgnoreBaseEvents + IgnoreUntilEvents.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Fingerprint String CODEC(ZSTD(1)),
    Status LowCardinality(String),
    Severity LowCardinality(String),
    FirstSeen DateTime64(3),
    ResolvedInVersion String,
    ResolvedAt DateTime64(3),
    IgnoreUntil DateTime64(3),
    IgnoreUntilEvents UInt64,
    IgnoreBaseEvents UInt64,
    Assignee String,
    Notes Array(Tuple(Time DateTime64(3), Author String, Text String)),
    UpdatedAt DateTime64(3),
    UpdatedBy String,
    Version UInt64
) ENGINE = {{engine}}
ORDER BY Fingerprint
SETTINGS index_granularity = 8192, {{dedupWindow}}
