-- otelhouse_clients_seen_{logs,traces}_mv: folds each insert block of logs or spans into one row per
-- client, stamped with the hour of arrival (now(), not the record's own, possibly skewed, timestamp).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{ident database}}.{{ident view}}{{onCluster}}
TO {{ident database}}.{{ident target}}
AS SELECT
    toStartOfHour(now()) AS Hour,
    if(ResourceAttributes['app.installation.id'] != '', ResourceAttributes['app.installation.id'], ResourceAttributes['device.id']) AS ClientId,
    anyLast(toString(ServiceName)) AS ServiceName,
    anyLast(ResourceAttributes['service.version']) AS ServiceVersion,
    anyLast(lower(ResourceAttributes['telemetry.sdk.language'])) AS Platform,
    anyLast(lower(if(ResourceAttributes['deployment.environment.name'] != '', ResourceAttributes['deployment.environment.name'], ResourceAttributes['deployment.environment']))) AS Environment,
    anyLast(lower(ResourceAttributes['otelhouse.release.channel'])) AS Channel,
    anyLast(upper(ResourceAttributes['geo.country.iso_code'])) AS Country,
    toUInt64(count()) AS Records
FROM {{ident database}}.{{ident source}}
WHERE ClientId != ''
GROUP BY Hour, ClientId
