-- Undo the watched notifications: every append notifies again, as 0004 made it.

SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION asm_notify_appended_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('asm_events', session_id)
    FROM (SELECT DISTINCT session_id FROM appended_events) AS sessions;
    RETURN NULL;
END;
$$;

ALTER TABLE asm_session_sequences DROP COLUMN IF EXISTS notify_until;
