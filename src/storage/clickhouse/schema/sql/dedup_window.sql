-- Keeps the hashes of recent insert blocks, so a spool replay carrying the same
-- insert_deduplication_token is stored once.
ALTER TABLE {{ident database}}.{{ident table}}{{onCluster}}
    MODIFY SETTING {{dedupWindow}}
