-- Undo 0005: the indexes it replaced again. Statement n undoes the migration's statement n from
-- the end (yoyo pairs them to undo a failed MySQL migration).

SET SESSION lock_wait_timeout = 5;

ALTER TABLE asm_sessions
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_agent_id_idx (agent_id),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    DROP INDEX /*M! IF EXISTS */ asm_sessions_agent_updated_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    DROP INDEX /*M! IF EXISTS */ asm_sessions_agent_created_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_events
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_session_run_idx (session_id, run_id),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_events
    DROP INDEX /*M! IF EXISTS */ asm_events_session_run_sequence_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

SET SESSION lock_wait_timeout = DEFAULT;
