-- Brings a traces table that an older collector created up to the current layout's columns
-- (reference §1.1): ScopeName/ScopeVersion arrived in later exporter versions, the *Items ALIAS
-- columns with v0.151. Keys cannot be changed in place and stay as they are; every action is
-- idempotent.
ALTER TABLE {{ident database}}.{{ident table}}{{onCluster}}
    ADD COLUMN IF NOT EXISTS ScopeName String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS ScopeVersion String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    ADD COLUMN IF NOT EXISTS SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))'))
