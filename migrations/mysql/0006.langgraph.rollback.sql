-- Undo the LangGraph checkpoint tables (their rows go with them). Statement n undoes the
-- migration's statement n from the end (yoyo pairs them to undo a failed MySQL migration).

SET SESSION lock_wait_timeout = 5;

DROP TABLE IF EXISTS asm_langgraph_writes;
DROP TABLE IF EXISTS asm_langgraph_blobs;
DROP TABLE IF EXISTS asm_langgraph_checkpoints;

SET SESSION lock_wait_timeout = DEFAULT;
