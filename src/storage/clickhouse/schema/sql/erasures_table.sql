-- otelhouse_erasures: requests to erase everything stored about one data subject (GDPR art. 17),
-- as versioned rows; the row with the highest Version wins (read with FINAL). RowsRemoved counts the
-- rows deleted per table. BlockUntil: records of the subject that arrive before it are dropped.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Id String CODEC(ZSTD(1)),
    SubjectKey String CODEC(ZSTD(1)),
    SubjectValue String CODEC(ZSTD(1)),
    Status LowCardinality(String),
    RowsRemoved Map(String, UInt64),
    Error String CODEC(ZSTD(1)),
    RequestedAt DateTime64(3),
    RequestedBy String CODEC(ZSTD(1)),
    StartedAt DateTime64(3),
    FinishedAt DateTime64(3),
    BlockUntil DateTime64(3),
    Version UInt64
) ENGINE = {{engine}}
ORDER BY Id
SETTINGS index_granularity = 8192, {{dedupWindow}}
