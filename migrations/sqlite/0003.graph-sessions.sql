-- Graph-workflow sessions: the graph library's `sessions` table in SQLite terms (UUIDs as
-- canonical lowercase text, JSON as text, fixed-width UTC timestamps), plus list indexes.
-- IF NOT EXISTS: GraphSessionStorage.connect creates the same table when it is missing.
-- depends: 0002.asm-v2

CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY NOT NULL,
    graph_id TEXT NOT NULL,
    current_task_id TEXT NOT NULL,
    status_message TEXT,
    context TEXT NOT NULL,
    created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z')
);

CREATE INDEX IF NOT EXISTS sessions_graph_id_idx ON sessions (graph_id, created_at, id);
CREATE INDEX IF NOT EXISTS sessions_created_at_idx ON sessions (created_at, id);
