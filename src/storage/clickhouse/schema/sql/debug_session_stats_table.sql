-- otelhouse_debug_session_stats: what each debug session received, as increments that every gateway
-- instance flushes periodically; read with sum()/max() GROUP BY SessionId. Inserts are sent with
-- insert_deduplicate = 0: two equal increments are two increments, not a retry.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    SessionId String CODEC(ZSTD(1)),
    Logs SimpleAggregateFunction(sum, UInt64),
    Spans SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    LastSeen SimpleAggregateFunction(max, DateTime64(3))
) ENGINE = {{engine}}
ORDER BY SessionId
SETTINGS index_granularity = 8192
