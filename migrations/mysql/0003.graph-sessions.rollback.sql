-- Undo the graph-sessions table (its rows go with it).

DROP TABLE IF EXISTS sessions;
