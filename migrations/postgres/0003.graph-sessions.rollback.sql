-- Undo the graph-sessions table (its rows go with it).

SET LOCAL lock_timeout = '5s';

DROP TABLE IF EXISTS sessions;
