-- asm schema V2: soft delete, providers, correlation ids, artifact metadata, query indexes.
-- One ALTER per table: MySQL DDL is not transactional, and each statement is applied whole.
-- Each statement can run again: a run killed midway has committed the statements before the
-- kill, and running the migration again finishes it. /*M! IF NOT EXISTS */ is read by MariaDB
-- only (MySQL 8 has no IF NOT EXISTS for columns and indexes and skips the comment, so there
-- a killed run must be finished by hand; see the README).
-- depends: 0001.asm-v1

ALTER TABLE asm_sessions
    ADD COLUMN /*M! IF NOT EXISTS */ deleted_at DATETIME(6),
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_created_at_idx (created_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_updated_at_idx (updated_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_deleted_at_idx (deleted_at);

ALTER TABLE asm_runs
    ADD COLUMN /*M! IF NOT EXISTS */ provider VARCHAR(255),
    ADD COLUMN /*M! IF NOT EXISTS */ provider_metadata JSON NOT NULL DEFAULT (JSON_OBJECT()),
    ADD INDEX /*M! IF NOT EXISTS */ asm_runs_started_at_idx (started_at, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_runs_provider_idx (provider, started_at);

ALTER TABLE asm_events
    ADD COLUMN /*M! IF NOT EXISTS */ provider VARCHAR(255),
    ADD COLUMN /*M! IF NOT EXISTS */ correlation_id VARCHAR(255),
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_timestamp_idx (timestamp, id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_correlation_idx (correlation_id),
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_provider_idx (provider);

ALTER TABLE asm_session_sequences
    ADD COLUMN /*M! IF NOT EXISTS */ updated_at DATETIME(6);

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
