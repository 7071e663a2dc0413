-- The first record of each applied version (two gateways may have recorded it at once).
SELECT version, argMin(checksum, applied_at) AS checksum
FROM {{ident database}}.{{ident table}}
GROUP BY version
