-- Graph-workflow sessions: the `sessions` table exactly as the graph library's
-- PostgresSessionStorage creates it, plus the indexes of GraphSessionStorage.list.
-- IF NOT EXISTS: GraphSessionStorage.connect creates the same table when it is missing.
-- depends: 0002.asm-v2

CREATE TABLE IF NOT EXISTS sessions (
    id UUID PRIMARY KEY,
    graph_id TEXT NOT NULL,
    current_task_id TEXT NOT NULL,
    status_message TEXT,
    context JSONB NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- The table may be the graph library's, already in use: an index build there waits for its
-- open writes, and holds up the writes queued behind it. Fail in 5 s instead (run it again).
SET LOCAL lock_timeout = '5s';

CREATE INDEX IF NOT EXISTS sessions_graph_id_idx ON sessions (graph_id, created_at, id);
CREATE INDEX IF NOT EXISTS sessions_created_at_idx ON sessions (created_at, id);
