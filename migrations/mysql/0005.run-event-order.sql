-- A run's events in sequence order: asm_events_session_run_sequence_idx (session_id, run_id,
-- sequence_number) replaces asm_events_session_run_idx (session_id, run_id), its prefix, so
-- get_events(run_id=...) reads a late run of a long session without walking the session.
-- Online as 0002: the index is built INPLACE with LOCK=NONE (reads and writes go on), dropping
-- one is metadata only; lock_wait_timeout bounds the brief metadata locks. Each statement can
-- run again on MariaDB (/*M! IF [NOT] EXISTS */; on MySQL 8 see the README).
-- depends: 0004.event-notifications

SET SESSION lock_wait_timeout = 5;

ALTER TABLE asm_events
    ADD INDEX /*M! IF NOT EXISTS */ asm_events_session_run_sequence_idx (session_id, run_id, sequence_number),
    ALGORITHM = INPLACE, LOCK = NONE;

ALTER TABLE asm_events
    DROP INDEX /*M! IF EXISTS */ asm_events_session_run_idx,
    ALGORITHM = INPLACE, LOCK = NONE;

SET SESSION lock_wait_timeout = DEFAULT;
