-- NOTIFY only the appends a long poll waits for. PostgreSQL serializes the commits of every
-- transaction that sends a NOTIFY (a lock on its notification queue, held until the commit is
-- flushed), so 0004's trigger, notifying every append, made concurrent appenders commit one
-- at a time. A long poll now marks the session it waits on: notify_until on the session's
-- counter row (asm/notify/waiters.py). An append notifies when that mark has not run out, or
-- when it takes a session's number 1 (a counter row made anew, which carries no mark).
-- The column is nullable with no default: adding it rewrites nothing.
-- depends: 0007.cached-write-plans

-- ALTER TABLE locks asm_session_sequences against appends: fail in 5 s rather than queue
-- behind a long transaction (run the migration again).
SET LOCAL lock_timeout = '5s';

ALTER TABLE asm_session_sequences ADD COLUMN IF NOT EXISTS notify_until TIMESTAMPTZ;

-- The appender holds the counter row's lock until it commits and a long poll marks the row
-- before it reads, so either the append sees the mark or the long poll's read sees the append.
CREATE OR REPLACE FUNCTION asm_notify_appended_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('asm_events', appended.session_id)
    FROM (SELECT session_id, MIN(sequence_number) AS first_number
          FROM appended_events
          GROUP BY session_id) AS appended
    WHERE appended.first_number = 1
       OR (SELECT q.notify_until FROM asm_session_sequences AS q
           WHERE q.session_id = appended.session_id) > now();
    RETURN NULL;
END;
$$;
