-- Undo asm schema V2; V1 data is kept.

DROP TABLE IF EXISTS asm_artifacts;

ALTER TABLE asm_session_sequences
    DROP COLUMN updated_at;

ALTER TABLE asm_events
    DROP INDEX asm_events_provider_idx,
    DROP INDEX asm_events_correlation_idx,
    DROP INDEX asm_events_timestamp_idx,
    DROP COLUMN correlation_id,
    DROP COLUMN provider;

ALTER TABLE asm_runs
    DROP INDEX asm_runs_provider_idx,
    DROP INDEX asm_runs_started_at_idx,
    DROP COLUMN provider_metadata,
    DROP COLUMN provider;

ALTER TABLE asm_sessions
    DROP INDEX asm_sessions_deleted_at_idx,
    DROP INDEX asm_sessions_updated_at_idx,
    DROP INDEX asm_sessions_created_at_idx,
    DROP COLUMN deleted_at;
