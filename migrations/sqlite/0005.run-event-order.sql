-- A run's events in sequence order: asm_events_session_run_sequence_idx (session_id, run_id,
-- sequence_number) replaces asm_events_session_run_idx (session_id, run_id), its prefix, so
-- get_events(run_id=...) reads a late run of a long session without walking the session.
-- depends: 0004.event-notifications

CREATE INDEX IF NOT EXISTS asm_events_session_run_sequence_idx ON asm_events (session_id, run_id, sequence_number);
DROP INDEX IF EXISTS asm_events_session_run_idx;
