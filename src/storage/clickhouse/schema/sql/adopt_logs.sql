-- Brings a logs table that an older collector created (reference §1.4) up to the current layout's
-- columns (§1.3). Keys and partitioning cannot be changed in place and stay as they are; every
-- action is idempotent.
ALTER TABLE {{ident database}}.{{ident table}}{{onCluster}}
    ADD COLUMN IF NOT EXISTS `ResourceSchemaUrl` LowCardinality(String) COMMENT 'Schema URL for the resource' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `ScopeSchemaUrl` LowCardinality(String) COMMENT 'Schema URL for the instrumentation scope' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `ScopeName` String COMMENT 'Instrumentation scope name' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `ScopeVersion` LowCardinality(String) COMMENT 'Instrumentation scope version' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `ScopeAttributes` Map(LowCardinality(String), String) COMMENT 'Instrumentation scope attributes' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `EventName` String COMMENT 'Event name for log records representing events' CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.cluster.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.cluster.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.container.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.container.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.deployment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.deployment.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.namespace.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.namespace.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.node.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.node.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.pod.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.name'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.pod.uid` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.uid'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS `__otel_materialized_deployment.environment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['deployment.environment.name'] CODEC(ZSTD(1))
