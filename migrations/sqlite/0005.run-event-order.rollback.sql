-- Undo 0005: the (session_id, run_id) index again.

CREATE INDEX IF NOT EXISTS asm_events_session_run_idx ON asm_events (session_id, run_id);
DROP INDEX IF EXISTS asm_events_session_run_sequence_idx;
