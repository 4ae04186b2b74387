-- name: upsert_session(id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at)!
-- Insert or replace a session by id, keeping its first created_at and any soft delete.
-- The new row is a derived table, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_sessions
    (id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at)
SELECT * FROM (
    SELECT :id AS id, :agent_id AS agent_id, :status AS status, :parent_session_id AS parent_session_id,
           :metadata AS metadata, :context AS context, :tags AS tags, :created_at AS created_at,
           :updated_at AS updated_at, CAST(:deleted_at AS DATETIME(6)) AS deleted_at) AS incoming
ON DUPLICATE KEY UPDATE
    agent_id          = incoming.agent_id,
    status            = incoming.status,
    parent_session_id = incoming.parent_session_id,
    metadata          = incoming.metadata,
    context           = incoming.context,
    tags              = incoming.tags,
    updated_at        = incoming.updated_at,
    deleted_at        = COALESCE(incoming.deleted_at, asm_sessions.deleted_at);

-- name: get_session(id)^
-- One session by id, soft-deleted or not.
SELECT id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at
FROM asm_sessions
WHERE id = :id;

-- name: list_sessions(status, agent_id, limit, offset)
-- Sessions in creation order, optionally of one status and/or agent (NULL = any).
SELECT id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at
FROM asm_sessions
WHERE (:status IS NULL OR status = :status)
  AND (:agent_id IS NULL OR agent_id = :agent_id)
ORDER BY created_at, id
LIMIT :limit OFFSET :offset;

-- name: restore_session(id)!
-- Clear a session's soft delete.
UPDATE asm_sessions SET deleted_at = NULL WHERE id = :id;

-- name: delete_session_row(id)!
-- Hard-delete one session row (its runs, events, counter and artifacts go in the same transaction).
DELETE FROM asm_sessions WHERE id = :id;

-- name: delete_session_runs(session_id)!
-- Hard-delete every run of a session.
DELETE FROM asm_runs WHERE session_id = :session_id;

-- name: delete_session_events(session_id)!
-- Hard-delete every event of a session.
DELETE FROM asm_events WHERE session_id = :session_id;

-- name: delete_session_sequence(session_id)!
-- Hard-delete a session's event counter.
DELETE FROM asm_session_sequences WHERE session_id = :session_id;

-- name: delete_session_artifacts(session_id)!
-- Hard-delete the artifact rows of a session.
DELETE FROM asm_artifacts WHERE session_id = :session_id;
