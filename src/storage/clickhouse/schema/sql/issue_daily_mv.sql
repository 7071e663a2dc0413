-- otelhouse_issue_daily_mv: counts each insert block of error events per issue, day and severity.
-- Migration 3's view, counting rows; migration 5 replaces it with issue_daily_mv_v5.sql (summing Occurrences).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{ident database}}.{{ident view}}{{onCluster}}
TO {{ident database}}.{{ident target}}
AS SELECT
    Fingerprint,
    toDate(Timestamp) AS Day,
    Severity,
    toUInt64(count()) AS Events
FROM {{ident database}}.{{ident source}}
GROUP BY Fingerprint, Day, Severity
