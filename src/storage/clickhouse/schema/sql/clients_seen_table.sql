-- otelhouse_clients_seen: the clients (app.installation.id, else device.id) that sent telemetry, per
-- hour of arrival, with the attributes collection policies target; kept by the otelhouse_clients_seen_*_mv
-- views over the logs and spans tables. A policy preview counts the clients of the last 24 hours.
-- Fixed two-day retention: nothing older is ever read.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Hour DateTime CODEC(Delta(4), ZSTD(1)),
    ClientId String CODEC(ZSTD(1)),
    ServiceName SimpleAggregateFunction(anyLast, LowCardinality(String)),
    ServiceVersion SimpleAggregateFunction(anyLast, String),
    Platform SimpleAggregateFunction(anyLast, LowCardinality(String)),
    Environment SimpleAggregateFunction(anyLast, LowCardinality(String)),
    Channel SimpleAggregateFunction(anyLast, LowCardinality(String)),
    Country SimpleAggregateFunction(anyLast, LowCardinality(String)),
    Records SimpleAggregateFunction(sum, UInt64)
) ENGINE = {{engine}}
PARTITION BY toYYYYMMDD(Hour)
ORDER BY (Hour, ClientId)
TTL Hour + toIntervalDay(2)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
