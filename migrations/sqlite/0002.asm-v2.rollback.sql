-- Undo asm schema V2; V1 data is kept. Indexes go first: SQLite cannot drop an indexed column.

DROP INDEX IF EXISTS asm_runs_total_tokens_idx;
DROP INDEX IF EXISTS asm_events_session_timestamp_idx;
DROP INDEX IF EXISTS asm_events_correlation_idx;
DROP INDEX IF EXISTS asm_events_timestamp_idx;
DROP INDEX IF EXISTS asm_runs_provider_idx;
DROP INDEX IF EXISTS asm_runs_started_at_idx;
DROP INDEX IF EXISTS asm_sessions_deleted_at_idx;
DROP INDEX IF EXISTS asm_sessions_updated_at_idx;
DROP INDEX IF EXISTS asm_sessions_created_at_idx;
DROP TABLE IF EXISTS asm_artifacts;
ALTER TABLE asm_session_sequences DROP COLUMN updated_at;
ALTER TABLE asm_events DROP COLUMN correlation_id;
ALTER TABLE asm_events DROP COLUMN provider;
ALTER TABLE asm_runs DROP COLUMN total_tokens;
ALTER TABLE asm_runs DROP COLUMN output_tokens;
ALTER TABLE asm_runs DROP COLUMN input_tokens;
ALTER TABLE asm_runs DROP COLUMN provider_metadata;
ALTER TABLE asm_runs DROP COLUMN provider;
ALTER TABLE asm_sessions DROP COLUMN deleted_at;
