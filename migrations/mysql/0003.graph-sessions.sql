-- Graph-workflow sessions: the graph library's `sessions` table in MySQL terms (UUIDs as
-- CHAR(36), graph_id a VARCHAR so it can lead an index), plus list indexes.
-- IF NOT EXISTS: GraphSessionStorage.connect creates the same table when it is missing.
-- depends: 0002.asm-v2

CREATE TABLE IF NOT EXISTS sessions (
    id              CHAR(36)     CHARACTER SET ascii NOT NULL PRIMARY KEY,
    graph_id        VARCHAR(255) NOT NULL,
    current_task_id TEXT         NOT NULL,
    status_message  TEXT,
    context         JSON         NOT NULL,
    created_at      DATETIME(6)  DEFAULT (UTC_TIMESTAMP(6)),
    updated_at      DATETIME(6)  DEFAULT (UTC_TIMESTAMP(6)),
    INDEX sessions_graph_id_idx (graph_id, created_at, id),
    INDEX sessions_created_at_idx (created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
