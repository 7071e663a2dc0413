-- otelhouse_issue_daily_mv (migration 5 on): counts each insert block of error events per issue, day and
-- severity, each event as the occurrences it stands for (Occurrences).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{ident database}}.{{ident view}}{{onCluster}}
TO {{ident database}}.{{ident target}}
AS SELECT
    Fingerprint,
    toDate(Timestamp) AS Day,
    Severity,
    toUInt64(sum(Occurrences)) AS Events
FROM {{ident database}}.{{ident source}}
GROUP BY Fingerprint, Day, Severity
