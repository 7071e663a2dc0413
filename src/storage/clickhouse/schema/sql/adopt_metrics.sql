-- Brings a metrics table that an older collector created up to the columns the gateway inserts:
-- `ServiceName` (added upstream in PR #31803) and, on histograms, `AggregationTemporality`
-- (PR #33425). Types, keys and partitioning stay as they are: an earlier layout's DateTime64(9)
-- times and String MetricName take the same inserts. Every action is idempotent.
ALTER TABLE {{ident database}}.{{ident table}}{{onCluster}}
    ADD COLUMN IF NOT EXISTS `ServiceName` LowCardinality(String) CODEC(ZSTD(1))
{{if temporality}}
    , ADD COLUMN IF NOT EXISTS `AggregationTemporality` Int32 CODEC(ZSTD(1))
{{end}}
