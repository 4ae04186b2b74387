-- Undo asm schema V1.

SET LOCAL lock_timeout = '5s';

DROP TABLE IF EXISTS asm_session_sequences;
DROP TABLE IF EXISTS asm_events;
DROP TABLE IF EXISTS asm_runs;
DROP TABLE IF EXISTS asm_sessions;
