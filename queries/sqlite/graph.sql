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
    updated_at      = max(excluded.updated_at, COALESCE(
        CASE WHEN substr(sessions.updated_at, 21, 6) = '999999'
             THEN strftime('%Y-%m-%dT%H:%M:%S', substr(sessions.updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE substr(sessions.updated_at, 1, 20) || printf('%06d', substr(sessions.updated_at, 21, 6) + 1) || 'Z' END,
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
    updated_at      = max(:now, COALESCE(
        CASE WHEN substr(updated_at, 21, 6) = '999999'
             THEN strftime('%Y-%m-%dT%H:%M:%S', substr(updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE substr(updated_at, 1, 20) || printf('%06d', substr(updated_at, 21, 6) + 1) || 'Z' END,
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
    context = json_set(context, '$.chat_history.messages', (
        SELECT json_group_array(json(m.value))
        FROM json_each(json_insert(
                 COALESCE(json_extract(context, '$.chat_history.messages'), '[]'),
                 '$[#]', json(:message))) AS m
        WHERE m.key >= CASE
            WHEN json_type(context, '$.chat_history.max_messages') = 'integer'
            THEN json_array_length(COALESCE(json_extract(context, '$.chat_history.messages'), '[]'))
                 + 1 - json_extract(context, '$.chat_history.max_messages')
            ELSE 0 END
    )),
    updated_at = max(:now, COALESCE(
        CASE WHEN substr(updated_at, 21, 6) = '999999'
             THEN strftime('%Y-%m-%dT%H:%M:%S', substr(updated_at, 1, 19), '+1 second') || '.000000Z'
             ELSE substr(updated_at, 1, 20) || printf('%06d', substr(updated_at, 21, 6) + 1) || 'Z' END,
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
       (SELECT count(*) FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'sessions'
          AND name IN ('sessions_graph_id_idx', 'sessions_created_at_idx')) = 2 AS has_indexes;
