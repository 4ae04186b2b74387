-- name: upsert_graph_session(id, graph_id, current_task_id, status_message, context, now)^
-- Insert or replace a graph session; updated_at (the version compare-and-set checks) becomes
-- :now or the stored text plus 1 µs, whichever is later, computed under the write lock so two
-- writes never share a version. Returns created_at and updated_at.
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (:id, :graph_id, :current_task_id, :status_message, :context, :now, :now)
ON CONFLICT (id) DO UPDATE SET
    graph_id        = excluded.graph_id,
    current_task_id = excluded.current_task_id,
    status_message  = excluded.status_message,
    context         = excluded.context,
    updated_at      = MAX(excluded.updated_at, COALESCE(
        CASE WHEN SUBSTR(sessions.updated_at, 21, 6) = '999999'
             THEN STRFTIME('%Y-%m-%dT%H:%M:%S', SUBSTR(sessions.updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE SUBSTR(sessions.updated_at, 1, 20)
                  || PRINTF('%06d', SUBSTR(sessions.updated_at, 21, 6) + 1) || 'Z' END,
        excluded.updated_at))
RETURNING created_at, updated_at;

-- name: insert_graph_session_if_absent(id, graph_id, current_task_id, status_message, context, now)^
-- Insert a graph session only if its id is free; returns created_at and updated_at, or nothing.
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (:id, :graph_id, :current_task_id, :status_message, :context, :now, :now)
ON CONFLICT (id) DO NOTHING
RETURNING created_at, updated_at;

-- name: update_graph_session_if_unchanged(id, graph_id, current_task_id, status_message, context, expected_updated_at, now)^
-- Compare-and-set: replace a graph session only if it is still at the version the caller
-- loaded; returns created_at and the new updated_at (:now or the old one plus 1 µs, whichever
-- is later), or nothing when someone saved in between.
UPDATE sessions SET
    graph_id        = :graph_id,
    current_task_id = :current_task_id,
    status_message  = :status_message,
    context         = :context,
    updated_at      = MAX(:now, COALESCE(
        CASE WHEN SUBSTR(updated_at, 21, 6) = '999999'
             THEN STRFTIME('%Y-%m-%dT%H:%M:%S', SUBSTR(updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE SUBSTR(updated_at, 1, 20) || PRINTF('%06d', SUBSTR(updated_at, 21, 6) + 1) || 'Z' END,
        :now))
WHERE id = :id
  AND updated_at = :expected_updated_at
RETURNING created_at, updated_at;

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
-- statement (SQLite runs one writer at a time, so no append is lost); updated_at moves as in
-- upsert_graph_session, so a compare-and-set save of an older copy conflicts.
UPDATE sessions SET
    context = JSON_SET(context, '$.chat_history.messages', (
        SELECT JSON_GROUP_ARRAY(JSON(m.value))
        FROM JSON_EACH(JSON_INSERT(
                 COALESCE(JSON_EXTRACT(sessions.context, '$.chat_history.messages'), '[]'),
                 '$[#]', JSON(:message))) AS m
        WHERE m.key >= CASE
            WHEN JSON_TYPE(sessions.context, '$.chat_history.max_messages') = 'integer'
            THEN JSON_ARRAY_LENGTH(COALESCE(JSON_EXTRACT(sessions.context, '$.chat_history.messages'), '[]'))
                 + 1 - JSON_EXTRACT(sessions.context, '$.chat_history.max_messages')
            ELSE 0 END
    )),
    updated_at = MAX(:now, COALESCE(
        CASE WHEN SUBSTR(updated_at, 21, 6) = '999999'
             THEN STRFTIME('%Y-%m-%dT%H:%M:%S', SUBSTR(updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE SUBSTR(updated_at, 1, 20) || PRINTF('%06d', SUBSTR(updated_at, 21, 6) + 1) || 'Z' END,
        :now))
WHERE id = :id;

-- name: list_graph_sessions(graph_id, after_created_at, after_id, limit)
-- One keyset page of graph sessions in creation order, optionally of one graph.
SELECT id, graph_id, current_task_id, status_message, context, created_at, updated_at
FROM sessions
WHERE (:graph_id IS NULL OR graph_id = :graph_id)
  AND (:after_created_at IS NULL OR (created_at, id) > (:after_created_at, :after_id))
ORDER BY created_at, id
LIMIT :limit;

-- name: graph_sessions_schema()^
-- Whether the sessions table and its list indexes exist: a catalog read, which takes no write lock.
SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions') AS has_table,
       (SELECT COUNT(*) FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'sessions'
          AND name IN ('sessions_graph_id_idx', 'sessions_created_at_idx')) = 2 AS has_indexes;
