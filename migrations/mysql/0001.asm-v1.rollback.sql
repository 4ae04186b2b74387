-- Undo asm schema V1. Statement n undoes the migration's statement n from the end (yoyo pairs
-- them to undo a failed MySQL migration).

SET SESSION lock_wait_timeout = 5;

DROP TABLE IF EXISTS asm_session_sequences;
DROP TABLE IF EXISTS asm_events;
DROP TABLE IF EXISTS asm_runs;
DROP TABLE IF EXISTS asm_sessions;

SET SESSION lock_wait_timeout = DEFAULT;
