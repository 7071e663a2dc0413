-- otelhouse_audit_log: every control-plane change (issue state, debug sessions, policies, erasure):
-- who, when, what, and the entity before and after as JSON ('null' when it did not exist).
-- Keyed by entity first, so an entity's history is a range read; Id makes the page cursor unique.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Time DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    Id String CODEC(ZSTD(1)),
    Actor LowCardinality(String) CODEC(ZSTD(1)),
    Action LowCardinality(String) CODEC(ZSTD(1)),
    EntityType LowCardinality(String) CODEC(ZSTD(1)),
    EntityId String CODEC(ZSTD(1)),
    Before String CODEC(ZSTD(3)),
    After String CODEC(ZSTD(3))
) ENGINE = {{engine}}
PARTITION BY toYYYYMM(Time)
ORDER BY (EntityType, EntityId, Time)
SETTINGS index_granularity = 8192, {{dedupWindow}}
