-- otelhouse_collection_policies: collection policies as versioned rows; the row with the highest Version
-- wins (read with FINAL); Deleted = 1 marks a removed policy. Targeting and Settings are JSON objects
-- (see src/control/policies/model.ts). Times have millisecond precision; 0 (1970-01-01) = unset.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Id String CODEC(ZSTD(1)),
    Name String CODEC(ZSTD(1)),
    Description String CODEC(ZSTD(1)),
    Enabled UInt8,
    Priority Int32,
    Targeting String CODEC(ZSTD(1)),
    Settings String CODEC(ZSTD(1)),
    StartsAt DateTime64(3),
    ExpiresAt DateTime64(3),
    CreatedAt DateTime64(3),
    CreatedBy String CODEC(ZSTD(1)),
    UpdatedAt DateTime64(3),
    UpdatedBy String CODEC(ZSTD(1)),
    Deleted UInt8,
    Version UInt64
) ENGINE = {{engine}}
ORDER BY Id
SETTINGS index_granularity = 8192, {{dedupWindow}}
