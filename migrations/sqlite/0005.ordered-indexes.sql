-- Indexes in the orders asm pages by, so that a filter on a long session or a busy agent reads a
-- page, not everything before it: (session_id, run_id, sequence_number) replaces (session_id,
-- run_id), so get_events(run_id=...) reads a late run without walking the session; (agent_id,
-- created_at, id) and (agent_id, updated_at, id) replace (agent_id), so an agent's sessions are
-- read in order without passing every other agent's.
-- depends: 0004.event-notifications

CREATE INDEX IF NOT EXISTS asm_events_session_run_sequence_idx ON asm_events (session_id, run_id, sequence_number);
DROP INDEX IF EXISTS asm_events_session_run_idx;
CREATE INDEX IF NOT EXISTS asm_sessions_agent_created_idx ON asm_sessions (agent_id, created_at, id);
CREATE INDEX IF NOT EXISTS asm_sessions_agent_updated_idx ON asm_sessions (agent_id, updated_at, id);
DROP INDEX IF EXISTS asm_sessions_agent_id_idx;
