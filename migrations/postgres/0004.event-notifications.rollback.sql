-- Undo the append notifications: long polls fall back to polling.

SET LOCAL lock_timeout = '5s';

DROP TRIGGER IF EXISTS asm_events_notify ON asm_events;
DROP FUNCTION IF EXISTS asm_notify_appended_events();
