-- The version picks the index branch; `disabled` lists the settings that gate text indexes on
-- some versions and are switched off on this server.
SELECT
    version() AS version,
    (SELECT groupArray(name) FROM system.settings
     WHERE name IN {textIndexSettings:Array(String)} AND value != '1') AS disabled
