-- Undo 0005: the indexes it replaced again. Statement n undoes the migration's statement n from
-- the end (the migration is not transactional); each can run again (IF [NOT] EXISTS).
-- transactional: false

SET lock_timeout = 0;
SET statement_timeout = 0;

CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_agent_id_idx ON asm_sessions (agent_id);
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_agent_updated_idx;
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_agent_created_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_session_run_idx ON asm_events (session_id, run_id);
DROP INDEX CONCURRENTLY IF EXISTS asm_events_session_run_sequence_idx;

RESET statement_timeout;
RESET lock_timeout;

-- The partner of the check for invalid leftovers, which has nothing to undo.
DO $$ BEGIN END $$;

RESET lock_timeout;
