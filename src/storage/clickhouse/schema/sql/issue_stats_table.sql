-- otelhouse_issue_stats: per-issue aggregates kept by otelhouse_issue_stats_mv on every insert into
-- otelhouse_error_events, so reads merge a few partial rows per issue instead of scanning events.
-- Users counts distinct non-empty UserId (events without a user add no user). Versions, services and
-- environments keep at most 100 / 20 / 20 distinct values. SeverityRank: highest event severity
-- (0 warning, 1 error, 2 fatal). No TTL: an issue outlives its raw events.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Fingerprint String CODEC(ZSTD(1)),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9)),
    Events SimpleAggregateFunction(sum, UInt64),
    SeverityRank SimpleAggregateFunction(max, UInt8),
    Users AggregateFunction(uniq, Nullable(String)),
    Versions AggregateFunction(groupUniqArray(100), String),
    Services AggregateFunction(groupUniqArray(20), String),
    Environments AggregateFunction(groupUniqArray(20), String),
    LatestEventId AggregateFunction(argMax, String, DateTime64(9)),
    LatestType AggregateFunction(argMax, String, DateTime64(9)),
    LatestMessage AggregateFunction(argMax, String, DateTime64(9)),
    LatestCulprit AggregateFunction(argMax, String, DateTime64(9)),
    LatestService AggregateFunction(argMax, String, DateTime64(9)),
    LatestEnvironment AggregateFunction(argMax, String, DateTime64(9))
) ENGINE = {{engine}}
ORDER BY Fingerprint
SETTINGS index_granularity = 8192, {{dedupWindow}}
