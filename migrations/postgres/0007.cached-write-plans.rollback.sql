-- Undo the write functions: asm before 0007 sends these statements itself.

SET LOCAL lock_timeout = '5s';

DROP FUNCTION IF EXISTS asm_langgraph_insert_writes(
    varchar, varchar, varchar, varchar, text, integer [], text [], text [], bytea []
);
DROP FUNCTION IF EXISTS asm_langgraph_put(
    varchar, varchar, varchar, varchar, varchar, varchar, bytea, jsonb, timestamptz, text [], text [], text [],
    bytea []
);
DROP FUNCTION IF EXISTS asm_adk_append_event(
    varchar, varchar, timestamptz, varchar, varchar, jsonb, jsonb, integer, varchar, varchar, timestamptz, bigint,
    jsonb, jsonb, timestamptz
);
DROP FUNCTION IF EXISTS asm_append_event(
    varchar, varchar, timestamptz, varchar, varchar, jsonb, jsonb, integer, varchar, varchar, timestamptz
);
