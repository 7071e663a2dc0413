-- One row per applied migration. ReplacingMergeTree because two gateways starting together may
-- both record the same version; readers take the first row per version.
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    version UInt32,
    description String,
    applied_at DateTime64(3),
    checksum String
) ENGINE = {{engine}}
ORDER BY version
