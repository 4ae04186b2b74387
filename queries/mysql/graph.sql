-- name: upsert_graph_session(id, graph_id, current_task_id, status_message, context, now)!
-- Insert or replace a graph session; updated_at (the version compare-and-set checks) becomes
-- :now or the stored one plus 1 µs, whichever is later (GREATEST is NULL if any argument is,
-- hence the COALESCE). MySQL has no RETURNING: read it with get_graph_session_version.
-- The new row is a derived table, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
-- :now is cast so GREATEST compares two DATETIME(6) values on both servers, not a string and a DATETIME.
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
SELECT * FROM (
    SELECT :id AS id, :graph_id AS graph_id, :current_task_id AS current_task_id,
           :status_message AS status_message, :context AS context,
           CAST(:now AS DATETIME(6)) AS created_at, CAST(:now AS DATETIME(6)) AS updated_at) AS incoming
ON DUPLICATE KEY UPDATE
    graph_id        = incoming.graph_id,
    current_task_id = incoming.current_task_id,
    status_message  = incoming.status_message,
    context         = incoming.context,
    updated_at      = GREATEST(incoming.updated_at,
                               COALESCE(sessions.updated_at + INTERVAL 1 MICROSECOND, incoming.updated_at));

-- name: insert_graph_session_if_absent(id, graph_id, current_task_id, status_message, context, now)!
-- Insert a graph session only if its id is free (a racing insert fails on the key and retries).
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
SELECT :id, :graph_id, :current_task_id, :status_message, :context, :now, :now
FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM sessions AS s WHERE s.id = :id);

-- name: update_graph_session_if_unchanged(id, graph_id, current_task_id, status_message, context, expected_updated_at, now)!
-- Compare-and-set: replace a graph session only if it is still at the version the caller
-- loaded; no row changed means someone saved in between.
UPDATE sessions SET
    graph_id        = :graph_id,
    current_task_id = :current_task_id,
    status_message  = :status_message,
    context         = :context,
    updated_at      = GREATEST(CAST(:now AS DATETIME(6)),
                               COALESCE(updated_at + INTERVAL 1 MICROSECOND, CAST(:now AS DATETIME(6))))
WHERE id = :id
  AND updated_at = :expected_updated_at;

-- name: get_graph_session_version(id)^
-- A graph session's created_at and updated_at.
SELECT created_at, updated_at FROM sessions WHERE id = :id;

-- name: get_graph_session(id)^
-- One graph session by id.
SELECT id, graph_id, current_task_id, status_message, context, created_at, updated_at
FROM sessions
WHERE id = :id;

-- name: delete_graph_session(id)!
-- Delete one graph session.
DELETE FROM sessions WHERE id = :id;

-- name: append_graph_message(id, message, now)!
-- Append a chat message and drop the oldest beyond chat_history.max_messages, in one
-- statement: concurrent appends serialize on the row and none is lost.
UPDATE sessions SET
    context = JSON_SET(context, '$.chat_history.messages', JSON_EXTRACT(
        JSON_ARRAY_APPEND(
            COALESCE(JSON_EXTRACT(context, '$.chat_history.messages'), JSON_ARRAY()),
            '$', JSON_EXTRACT(:message, '$')),
        CONCAT('$[', CASE
            WHEN JSON_TYPE(JSON_EXTRACT(context, '$.chat_history.max_messages')) = 'INTEGER'
            THEN GREATEST(0, JSON_LENGTH(COALESCE(JSON_EXTRACT(context, '$.chat_history.messages'), JSON_ARRAY()))
                             + 1 - JSON_EXTRACT(context, '$.chat_history.max_messages'))
            ELSE 0 END, ' to last]'))),
    updated_at = GREATEST(CAST(:now AS DATETIME(6)),
                          COALESCE(updated_at + INTERVAL 1 MICROSECOND, CAST(:now AS DATETIME(6))))
WHERE id = :id;

-- name: list_graph_sessions(graph_id, after_created_at, after_id, limit)
-- One keyset page of graph sessions in creation order, optionally of one graph.
SELECT id, graph_id, current_task_id, status_message, context, created_at, updated_at
FROM sessions
WHERE (:graph_id IS NULL OR graph_id = :graph_id)
  AND (:after_created_at IS NULL
       OR (created_at >= :after_created_at AND (created_at > :after_created_at OR id > :after_id)))
ORDER BY created_at, id
LIMIT :limit;

-- name: graph_sessions_schema()^
-- Whether the sessions table exists (a catalog read); its list indexes come with its CREATE TABLE.
SELECT EXISTS (SELECT 1 FROM information_schema.TABLES
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sessions') AS has_table,
       1 AS has_indexes;
