-- Undo the LangGraph checkpoint tables (their rows go with them).

DROP TABLE IF EXISTS asm_langgraph_writes;
DROP TABLE IF EXISTS asm_langgraph_blobs;
DROP TABLE IF EXISTS asm_langgraph_checkpoints;
