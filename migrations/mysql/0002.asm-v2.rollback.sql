-- Undo asm schema V2; V1 data is kept. Statement n undoes the migration's statement n from
-- the end (yoyo pairs them to undo a failed MySQL migration), and each can run again
-- (/*M! IF EXISTS */: MariaDB only, as in the migration). Algorithms as in the migration:
-- dropping an index or a column is metadata only (MySQL 8.0.29+, MariaDB 10.4+).

SET SESSION lock_wait_timeout = 5;

DROP TABLE IF EXISTS asm_artifacts;

ALTER TABLE asm_events
    DROP INDEX /*M! IF EXISTS */ asm_events_session_timestamp_idx,
    DROP INDEX /*M! IF EXISTS */ asm_events_correlation_idx,
    DROP INDEX /*M! IF EXISTS */ asm_events_timestamp_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_runs
    DROP INDEX /*M! IF EXISTS */ asm_runs_total_tokens_idx,
    DROP INDEX /*M! IF EXISTS */ asm_runs_provider_idx,
    DROP INDEX /*M! IF EXISTS */ asm_runs_started_at_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    DROP INDEX /*M! IF EXISTS */ asm_sessions_deleted_at_idx,
    DROP INDEX /*M! IF EXISTS */ asm_sessions_updated_at_idx,
    DROP INDEX /*M! IF EXISTS */ asm_sessions_created_at_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_session_sequences
    DROP COLUMN /*M! IF EXISTS */ updated_at,
    ALGORITHM = INSTANT;

ALTER TABLE asm_events
    DROP COLUMN /*M! IF EXISTS */ correlation_id,
    DROP COLUMN /*M! IF EXISTS */ provider,
    ALGORITHM = INSTANT;

ALTER TABLE asm_runs
    DROP COLUMN /*M! IF EXISTS */ total_tokens,
    DROP COLUMN /*M! IF EXISTS */ output_tokens,
    DROP COLUMN /*M! IF EXISTS */ input_tokens,
    ALGORITHM = INSTANT;

ALTER TABLE asm_runs
    DROP COLUMN /*M! IF EXISTS */ provider_metadata,
    DROP COLUMN /*M! IF EXISTS */ provider,
    ALGORITHM = INSTANT;

ALTER TABLE asm_sessions
    DROP COLUMN /*M! IF EXISTS */ deleted_at,
    ALGORITHM = INSTANT;

SET SESSION lock_wait_timeout = DEFAULT;
