-- asm schema V2: soft delete, providers, correlation ids, artifact metadata, token totals,
-- query indexes.
-- Online: columns are added with ALGORITHM=INSTANT (metadata only: MariaDB 10.3+, MySQL 8.0.29+)
-- and indexes built with ALGORITHM=INPLACE, LOCK=NONE (reads and writes go on), never in the
-- same ALTER (one that cannot be instant would make the whole statement rebuild the table). An
-- explicit ALGORITHM fails the statement rather than fall back to a locking copy. Each DDL
-- statement still takes a brief exclusive metadata lock: lock_wait_timeout makes one that would
-- queue behind a long transaction, and hold up every query queued behind it, fail in 5 s
-- instead (the server's default is a year); run the migration again.
-- MySQL commits each DDL statement on its own, so a run killed midway leaves the statements
-- before the kill applied: each can run again, and the next run finishes the job.
-- /*M! IF NOT EXISTS */ is read by MariaDB only (MySQL 8 has no IF NOT EXISTS for columns and
-- indexes and skips the comment, so there a killed run must be finished by hand; see the README).
-- depends: 0001.asm-v1

SET SESSION lock_wait_timeout = 5;

ALTER TABLE asm_sessions
    ADD COLUMN /*M! IF NOT EXISTS */ deleted_at DATETIME(6),
    ALGORITHM = INSTANT;

-- provider_metadata has no default: MySQL 8 cannot add a column with an expression default
-- (the only kind a JSON column may have) instantly. Rows older than V2 hold NULL, read as {}.
ALTER TABLE asm_runs
    ADD COLUMN /*M! IF NOT EXISTS */ provider VARCHAR(255),
    ADD COLUMN /*M! IF NOT EXISTS */ provider_metadata JSON,
    ALGORITHM = INSTANT;

-- A run's token counts, one definition of the rule: a JSON number counts as itself (clamped to
-- the DECIMAL's range, as CAST does), anything else as 0. VIRTUAL: computed when read (an index
-- stores its own copy). The range checks keep the index from failing a write: a strict-mode
-- INSERT would refuse CAST's out-of-range warning. In an ALTER of their own: MariaDB adds
-- virtual columns instantly only apart from other columns.
ALTER TABLE asm_runs
    ADD COLUMN /*M! IF NOT EXISTS */ input_tokens DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.input_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    ADD COLUMN /*M! IF NOT EXISTS */ output_tokens DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.output_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    ADD COLUMN /*M! IF NOT EXISTS */ total_tokens DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.total_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    ALGORITHM = INSTANT;

ALTER TABLE asm_events
    ADD COLUMN /*M! IF NOT EXISTS */ provider VARCHAR(255),
    ADD COLUMN /*M! IF NOT EXISTS */ correlation_id VARCHAR(255),
    ALGORITHM = INSTANT;

ALTER TABLE asm_session_sequences
    ADD COLUMN /*M! IF NOT EXISTS */ updated_at DATETIME(6),
    ALGORITHM = INSTANT;

-- Keyset orders and retention scans of the query and maintenance APIs.
ALTER TABLE asm_sessions
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_created_at_idx (created_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_updated_at_idx (updated_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_deleted_at_idx (deleted_at),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_runs
    ADD INDEX /*M! IF NOT EXISTS */ asm_runs_started_at_idx (started_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_runs_provider_idx (provider, started_at),
    ADD INDEX /*M! IF NOT EXISTS */ asm_runs_total_tokens_idx (total_tokens, id),
    ALGORITHM = INPLACE, LOCK = NONE;

-- asm_events_session_timestamp_idx: per-session, timestamp-ordered reads and per-session top-N.
-- (No index on asm_events.provider: a handful of distinct values, never chosen by a planner.)
ALTER TABLE asm_events
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_timestamp_idx (timestamp, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_correlation_idx (correlation_id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_session_timestamp_idx (session_id, timestamp, id),
    ALGORITHM = INPLACE, LOCK = NONE;

-- Last: asm's schema check reads this table, so no asm store opens on a V2 still being built
-- (yoyo undoes the statements done when one fails: see the rollback).
CREATE TABLE IF NOT EXISTS asm_artifacts (
    id              VARCHAR(255)  NOT NULL PRIMARY KEY,
    `key`           VARCHAR(255)  NOT NULL,
    session_id      VARCHAR(255),
    run_id          VARCHAR(255),
    type            VARCHAR(255),
    content_type    VARCHAR(255),
    size_bytes      BIGINT        NOT NULL,
    checksum_sha256 VARCHAR(255),
    storage_backend VARCHAR(255),
    storage_ref     VARCHAR(2048),
    metadata        JSON          NOT NULL DEFAULT (JSON_OBJECT()),
    created_at      DATETIME(6)   NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    deleted_at      DATETIME(6),
    UNIQUE INDEX asm_artifacts_key_idx (`key`),
    INDEX asm_artifacts_session_idx (session_id, created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

SET SESSION lock_wait_timeout = DEFAULT;
