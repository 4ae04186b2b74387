-- Undo 0005: the indexes it replaced again.

CREATE INDEX IF NOT EXISTS asm_sessions_agent_id_idx ON asm_sessions (agent_id);
DROP INDEX IF EXISTS asm_sessions_agent_updated_idx;
DROP INDEX IF EXISTS asm_sessions_agent_created_idx;
CREATE INDEX IF NOT EXISTS asm_events_session_run_idx ON asm_events (session_id, run_id);
DROP INDEX IF EXISTS asm_events_session_run_sequence_idx;
