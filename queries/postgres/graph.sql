-- name: upsert_graph_session(id, graph_id, current_task_id, status_message, context, now)^
-- Insert or replace a graph session; updated_at (the version compare-and-set checks) becomes
-- :now or the stored one plus 1 µs, whichever is later, read under the row lock so two writes
-- never share a version. Returns created_at and updated_at.
INSERT INTO sessions AS s (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (CAST(:id AS uuid), :graph_id, :current_task_id, :status_message, CAST(:context AS jsonb), :now, :now)
ON CONFLICT (id) DO UPDATE SET
    graph_id        = excluded.graph_id,
    current_task_id = excluded.current_task_id,
    status_message  = excluded.status_message,
    context         = excluded.context,
    updated_at      = GREATEST(excluded.updated_at, s.updated_at + INTERVAL '1 microsecond')
RETURNING created_at, updated_at;

-- name: insert_graph_session_if_absent(id, graph_id, current_task_id, status_message, context, now)^
-- Insert a graph session only if its id is free; returns created_at and updated_at, or nothing.
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (CAST(:id AS uuid), :graph_id, :current_task_id, :status_message, CAST(:context AS jsonb), :now, :now)
ON CONFLICT (id) DO NOTHING
RETURNING created_at, updated_at;

-- name: update_graph_session_if_unchanged(id, graph_id, current_task_id, status_message, context, expected_updated_at, now)^
-- Compare-and-set: replace a graph session only if it is still at the version the caller
-- loaded; returns created_at and the new updated_at, or nothing when someone saved in between.
UPDATE sessions SET
    graph_id        = :graph_id,
    current_task_id = :current_task_id,
    status_message  = :status_message,
    context         = CAST(:context AS jsonb),
    updated_at      = GREATEST(CAST(:now AS timestamptz), updated_at + INTERVAL '1 microsecond')
WHERE id = CAST(:id AS uuid)
  AND updated_at = CAST(:expected_updated_at AS timestamptz)
RETURNING created_at, updated_at;

-- name: get_graph_session_version(id)^
-- A graph session's created_at and updated_at.
SELECT created_at, updated_at FROM sessions WHERE id = CAST(:id AS uuid);

-- name: get_graph_session(id)^
-- One graph session by id (its context as JSON text, as on the other dialects: asm reads it typed).
SELECT id, graph_id, current_task_id, status_message, CAST(context AS text) AS context, created_at, updated_at
FROM sessions
WHERE id = CAST(:id AS uuid);

-- name: delete_graph_session(id)!
-- Delete one graph session.
DELETE FROM sessions WHERE id = CAST(:id AS uuid);

-- name: append_graph_message(id, message, now)!
-- Append a chat message and drop the oldest beyond chat_history.max_messages, in one
-- statement: concurrent appends serialize on the row and none is lost.
UPDATE sessions SET
    context = JSONB_SET(context, '{chat_history,messages}', (
        SELECT COALESCE(JSONB_AGG(m.value ORDER BY m.n), '[]'::jsonb)
        FROM JSONB_ARRAY_ELEMENTS(
                 COALESCE(sessions.context #> '{chat_history,messages}', '[]'::jsonb)
                 || JSONB_BUILD_ARRAY(CAST(:message AS jsonb))
             ) WITH ORDINALITY AS m (value, n)
        WHERE JSONB_TYPEOF(sessions.context #> '{chat_history,max_messages}') IS DISTINCT FROM 'number'
           OR m.n > JSONB_ARRAY_LENGTH(COALESCE(sessions.context #> '{chat_history,messages}', '[]'::jsonb)) + 1
                    - CAST(sessions.context #>> '{chat_history,max_messages}' AS bigint)
    ), true),
    updated_at = GREATEST(CAST(:now AS timestamptz), updated_at + INTERVAL '1 microsecond')
WHERE id = CAST(:id AS uuid);

-- name: list_graph_sessions(graph_id, after_created_at, after_id, limit)
-- One keyset page of graph sessions in creation order, optionally of one graph.
SELECT id, graph_id, current_task_id, status_message, CAST(context AS text) AS context, created_at, updated_at
FROM sessions
WHERE (CAST(:graph_id AS text) IS NULL OR graph_id = :graph_id)
  AND (CAST(:after_created_at AS timestamptz) IS NULL
       OR (created_at, id) > (CAST(:after_created_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY created_at, id
LIMIT :limit;

-- name: graph_sessions_schema()^
-- Whether the sessions table and its list indexes exist: a catalog read, which locks nothing.
SELECT TO_REGCLASS('sessions') IS NOT NULL AS has_table,
       (SELECT COUNT(*) FROM pg_catalog.pg_index AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = TO_REGCLASS('sessions')
          AND c.relname IN ('sessions_graph_id_idx', 'sessions_created_at_idx')) = 2 AS has_indexes;
