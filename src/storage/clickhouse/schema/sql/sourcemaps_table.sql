-- JavaScript source maps uploaded per release, one row per minified file. Re-uploading the same
-- (Release, FileUrl) replaces the map: readers use FINAL, so the row with the latest UploadedAt
-- wins. Render with engine = `ReplacingMergeTree(UploadedAt)` (or the Replicated variant).
CREATE TABLE IF NOT EXISTS {{ident database}}.{{ident table}}{{onCluster}} (
    `Release` String COMMENT 'Release (service.version) the map belongs to',
    `FileUrl` String COMMENT 'Minified file URL or path as it appears in stack frames; ~/path matches any scheme and host',
    `Content` String COMMENT 'Source map v3 JSON' CODEC(ZSTD(3)),
    `Digest` String COMMENT 'SHA-256 of Content, lowercase hex',
    `UploadedAt` DateTime64(3) DEFAULT now64(3) COMMENT 'Upload time; the replacing version'
) ENGINE = {{engine}}
ORDER BY (Release, FileUrl)
