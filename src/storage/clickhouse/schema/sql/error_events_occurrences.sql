-- Migration 5: how many occurrences each error event stands for. A client that rate-limits an
-- error storm sends one record for many (`otelhouse.occurrences`); rows written before this column
-- existed, or by a gateway that does not know it, stand for one.
ALTER TABLE {{ident database}}.{{ident table}}{{onCluster}}
    ADD COLUMN IF NOT EXISTS Occurrences UInt32 DEFAULT 1 CODEC(T64, ZSTD(1))
