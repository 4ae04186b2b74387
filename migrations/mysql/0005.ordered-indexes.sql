-- Indexes in the orders asm pages by, so that a filter on a long session or a busy agent reads a
-- page, not everything before it: (session_id, run_id, sequence_number) replaces (session_id,
-- run_id), so get_events(run_id=...) reads a late run without walking the session; (agent_id,
-- created_at, id) and (agent_id, updated_at, id) replace (agent_id), so an agent's sessions are
-- read in order instead of all of them sorted.
-- Online as 0002: indexes are built INPLACE with LOCK=NONE (reads and writes go on), each in an
-- ALTER of its own; dropping one is metadata only; lock_wait_timeout bounds the brief metadata
-- locks. Each statement can run again on MariaDB (/*M! IF [NOT] EXISTS */; MySQL 8: see the README).
-- depends: 0004.event-notifications

SET SESSION lock_wait_timeout = 5;

ALTER TABLE asm_events
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_session_run_sequence_idx (session_id, run_id, sequence_number),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_events
    DROP INDEX /*M! IF EXISTS */ asm_events_session_run_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_agent_created_idx (agent_id, created_at, id),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    ADD INDEX /*M! IF NOT EXISTS */ asm_sessions_agent_updated_idx (agent_id, updated_at, id),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_sessions
    DROP INDEX /*M! IF EXISTS */ asm_sessions_agent_id_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

SET SESSION lock_wait_timeout = DEFAULT;
