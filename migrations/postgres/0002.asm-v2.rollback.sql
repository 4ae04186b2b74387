-- Undo asm schema V2; V1 data is kept. Statement n undoes the migration's statement n from the
-- end: the migration is not transactional, so when one of its statements fails yoyo undoes the
-- ones done by running their partners here. Each can run again (IF EXISTS).

-- As in the migration: CONCURRENTLY blocks no reads or writes, so no timeout for it.
SET lock_timeout = 0;
SET statement_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS asm_events_session_timestamp_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_events_correlation_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_events_timestamp_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_runs_total_tokens_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_runs_provider_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_runs_started_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_deleted_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_updated_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_created_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_artifacts_session_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_artifacts_key_idx;

RESET statement_timeout;
-- The rest takes ACCESS EXCLUSIVE locks: fail in 5 s rather than queue (run it again).
SET lock_timeout = '5s';

-- The partner of the check for invalid leftovers, which has nothing to undo.
DO $$ BEGIN END $$;

DROP FUNCTION IF EXISTS asm_token_count(jsonb, text);
DROP TABLE IF EXISTS asm_artifacts;
ALTER TABLE asm_session_sequences DROP COLUMN IF EXISTS updated_at;
ALTER TABLE asm_events DROP COLUMN IF EXISTS correlation_id, DROP COLUMN IF EXISTS provider;
ALTER TABLE asm_runs DROP COLUMN IF EXISTS provider_metadata, DROP COLUMN IF EXISTS provider;
ALTER TABLE asm_sessions DROP COLUMN IF EXISTS deleted_at;

RESET lock_timeout;
