-- otel_traces_trace_id_ts_mv: feeds the lookup table from every insert into otel_traces; reference §1.2.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{ident database}}.{{ident view}}{{onCluster}}
TO {{ident database}}.{{ident target}}
AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM {{ident database}}.{{ident source}}
WHERE TraceId != ''
GROUP BY TraceId
