-- Indexes in the orders asm pages by, so that a filter on a long session or a busy agent reads a
-- page, not everything before it:
-- * asm_events_session_run_sequence_idx (session_id, run_id, sequence_number) replaces
--   asm_events_session_run_idx (session_id, run_id), its prefix: get_events(run_id=...) walked the
--   session's sequence index to reach a late run (at 1M events, the last run of a 100k-event
--   session: 66,767 rows read for a page of 100).
-- * asm_sessions_agent_created_idx (agent_id, created_at, id) and asm_sessions_agent_updated_idx
--   (agent_id, updated_at, id) replace asm_sessions_agent_id_idx (agent_id): an agent's sessions
--   were read through the time index past every other agent's (list_sessions of one agent of 50:
--   4,960 rows for a page of 100) or all of them and sorted.
-- Online as 0002: each statement commits on its own, every index is built CONCURRENTLY, a run cut
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
          AND c.relname IN ('asm_events_session_run_sequence_idx', 'asm_sessions_agent_created_idx',
                            'asm_sessions_agent_updated_idx')
    LOOP
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END
$$;

-- As in 0002: CONCURRENTLY blocks no reads or writes, so no timeout for the builds and drops.
SET lock_timeout = 0;
SET statement_timeout = 0;

CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_session_run_sequence_idx
    ON asm_events (session_id, run_id, sequence_number);
DROP INDEX CONCURRENTLY IF EXISTS asm_events_session_run_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_agent_created_idx ON asm_sessions (agent_id, created_at, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_agent_updated_idx ON asm_sessions (agent_id, updated_at, id);
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_agent_id_idx;

RESET statement_timeout;
RESET lock_timeout;
