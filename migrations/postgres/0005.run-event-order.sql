-- A run's events in sequence order: asm_events_session_run_sequence_idx (session_id, run_id,
-- sequence_number) replaces asm_events_session_run_idx (session_id, run_id), its prefix. Without
-- the number, get_events(run_id=...) walked the session's whole sequence index to reach a late
-- run (at 1M events, the last run of a 100k-event session: 66,767 rows read for a page of 100).
-- Online as 0002: each statement commits on its own, the index is built CONCURRENTLY, a run cut
-- short is finished by the next (IF NOT EXISTS, invalid leftovers dropped first).
-- transactional: false
-- depends: 0004.event-notifications

SET lock_timeout = '5s';

DO $$
DECLARE
    leftover regclass;
BEGIN
    FOR leftover IN
        SELECT i.indexrelid::regclass
        FROM pg_index AS i
        JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE NOT i.indisvalid
          AND c.relnamespace = (SELECT n.oid FROM pg_namespace AS n WHERE n.nspname = current_schema())
          AND c.relname = 'asm_events_session_run_sequence_idx'
    LOOP
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END
$$;

-- As in 0002: CONCURRENTLY blocks no reads or writes, so no timeout for the build and the drop.
SET lock_timeout = 0;
SET statement_timeout = 0;

CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_session_run_sequence_idx
    ON asm_events (session_id, run_id, sequence_number);
DROP INDEX CONCURRENTLY IF EXISTS asm_events_session_run_idx;

RESET statement_timeout;
RESET lock_timeout;
