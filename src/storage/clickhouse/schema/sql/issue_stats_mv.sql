-- otelhouse_issue_stats_mv: folds each insert block of error events into partial issue aggregates.
-- Migration 3's view, counting rows; migration 5 replaces it with issue_stats_mv_v5.sql (summing Occurrences).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{ident database}}.{{ident view}}{{onCluster}}
TO {{ident database}}.{{ident target}}
AS SELECT
    Fingerprint,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    toUInt64(count()) AS Events,
    max(toUInt8(multiIf(Severity = 'fatal', 2, Severity = 'error', 1, 0))) AS SeverityRank,
    uniqState(nullIf(UserId, '')) AS Users,
    groupUniqArrayState(100)(toString(ServiceVersion)) AS Versions,
    groupUniqArrayState(20)(toString(ServiceName)) AS Services,
    groupUniqArrayState(20)(toString(Environment)) AS Environments,
    argMaxState(EventId, Timestamp) AS LatestEventId,
    argMaxState(ExceptionType, Timestamp) AS LatestType,
    argMaxState(NormalizedMessage, Timestamp) AS LatestMessage,
    argMaxState(Culprit, Timestamp) AS LatestCulprit,
    argMaxState(toString(ServiceName), Timestamp) AS LatestService,
    argMaxState(toString(Environment), Timestamp) AS LatestEnvironment
FROM {{ident database}}.{{ident source}}
GROUP BY Fingerprint
