-- Undo asm schema V2; V1 data is kept.

DROP INDEX IF EXISTS asm_events_provider_idx;
DROP INDEX IF EXISTS asm_events_correlation_idx;
DROP INDEX IF EXISTS asm_events_timestamp_idx;
DROP INDEX IF EXISTS asm_runs_provider_idx;
DROP INDEX IF EXISTS asm_runs_started_at_idx;
DROP INDEX IF EXISTS asm_sessions_deleted_at_idx;
DROP INDEX IF EXISTS asm_sessions_updated_at_idx;
DROP INDEX IF EXISTS asm_sessions_created_at_idx;
DROP TABLE IF EXISTS asm_artifacts;
ALTER TABLE asm_session_sequences DROP COLUMN IF EXISTS updated_at;
ALTER TABLE asm_events DROP COLUMN IF EXISTS correlation_id;
ALTER TABLE asm_events DROP COLUMN IF EXISTS provider;
ALTER TABLE asm_runs DROP COLUMN IF EXISTS provider_metadata;
ALTER TABLE asm_runs DROP COLUMN IF EXISTS provider;
ALTER TABLE asm_sessions DROP COLUMN IF EXISTS deleted_at;
