-- Undo asm schema V2; V1 data is kept. Statement n undoes the migration's statement n from
-- the end (yoyo pairs them to undo a failed MySQL migration), and each can run again
-- (/*M! IF EXISTS */: MariaDB only, as in the migration).

DROP TABLE IF EXISTS asm_artifacts;

ALTER TABLE asm_session_sequences
    DROP COLUMN /*M! IF EXISTS */ updated_at;

ALTER TABLE asm_events
    DROP INDEX /*M! IF EXISTS */ asm_events_provider_idx,
    DROP INDEX /*M! IF EXISTS */ asm_events_correlation_idx,
    DROP INDEX /*M! IF EXISTS */ asm_events_timestamp_idx,
    DROP COLUMN /*M! IF EXISTS */ correlation_id,
    DROP COLUMN /*M! IF EXISTS */ provider;

ALTER TABLE asm_runs
    DROP INDEX /*M! IF EXISTS */ asm_runs_provider_idx,
    DROP INDEX /*M! IF EXISTS */ asm_runs_started_at_idx,
    DROP COLUMN /*M! IF EXISTS */ provider_metadata,
    DROP COLUMN /*M! IF EXISTS */ provider;

ALTER TABLE asm_sessions
    DROP INDEX /*M! IF EXISTS */ asm_sessions_deleted_at_idx,
    DROP INDEX /*M! IF EXISTS */ asm_sessions_updated_at_idx,
    DROP INDEX /*M! IF EXISTS */ asm_sessions_created_at_idx,
    DROP COLUMN /*M! IF EXISTS */ deleted_at;
