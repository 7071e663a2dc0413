-- otelhouse_debug_sessions: remote debug sessions as versioned rows; the row with the highest Version
-- wins (read with FINAL). Times have millisecond precision; 0 (1970-01-01) = unset. The status is not
-- stored: it follows from the times (see src/control/sessions/lifecycle.ts). Consent is JSON ('' = none).
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    Id String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    UserId String CODEC(ZSTD(1)),
    InstallationId String CODEC(ZSTD(1)),
    DeviceId String CODEC(ZSTD(1)),
    SessionId String CODEC(ZSTD(1)),
    Level LowCardinality(String),
    CaptureLogs UInt8,
    CaptureSpans UInt8,
    CaptureNetwork UInt8,
    Reason String CODEC(ZSTD(1)),
    Consent String CODEC(ZSTD(1)),
    CreatedAt DateTime64(3),
    CreatedBy String CODEC(ZSTD(1)),
    StartsAt DateTime64(3),
    EndsAt DateTime64(3),
    PausedAt DateTime64(3),
    ResumedAt DateTime64(3),
    CancelledAt DateTime64(3),
    CancelledBy String CODEC(ZSTD(1)),
    UpdatedAt DateTime64(3),
    UpdatedBy String CODEC(ZSTD(1)),
    Version UInt64
) ENGINE = {{engine}}
ORDER BY Id
SETTINGS index_granularity = 8192, {{dedupWindow}}
