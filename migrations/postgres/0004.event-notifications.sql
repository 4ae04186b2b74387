-- Tell long polls that events were appended: NOTIFY asm_events with the session id, once per
-- session per statement. NOTIFY is sent at COMMIT, so a woken reader sees the new events;
-- a rolled-back append sends nothing. Any writer fires it, not only asm.
-- depends: 0003.graph-sessions

-- CREATE TRIGGER locks asm_events against writes: fail in 5 s rather than queue behind a long
-- transaction (run the migration again).
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION asm_notify_appended_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('asm_events', session_id)
    FROM (SELECT DISTINCT session_id FROM appended_events) AS sessions;
    RETURN NULL;
END;
$$;

CREATE TRIGGER asm_events_notify
    AFTER INSERT ON asm_events
    REFERENCING NEW TABLE AS appended_events
    FOR EACH STATEMENT
    EXECUTE FUNCTION asm_notify_appended_events();
