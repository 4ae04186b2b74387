-- name: upsert_session(id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at)!
-- Insert or replace a session by id, keeping its first created_at and any soft delete.
INSERT INTO asm_sessions
    (id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at)
VALUES
    (:id, :agent_id, :status, :parent_session_id, :metadata, :context, :tags, :created_at, :updated_at,
     :deleted_at)
ON CONFLICT (id) DO UPDATE SET
    agent_id          = excluded.agent_id,
    status            = excluded.status,
    parent_session_id = excluded.parent_session_id,
    metadata          = excluded.metadata,
    context           = excluded.context,
    tags              = excluded.tags,
    updated_at        = excluded.updated_at,
    deleted_at        = COALESCE(excluded.deleted_at, asm_sessions.deleted_at);

-- name: get_session(id)^
-- One session by id, soft-deleted or not.
SELECT id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at
FROM asm_sessions
WHERE id = :id;

-- name: list_sessions(status, agent_id, limit, offset)
-- Sessions in creation order, optionally of one status and/or agent (NULL = any).
-- SQLite plans a statement once, blind to the values: an agent filter gets a UNION ALL branch of
-- its own (asm_sessions_agent_created_idx, in creation order), the other branch is skipped at once.
SELECT id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at
FROM (SELECT * FROM asm_sessions WHERE agent_id = :agent_id
      UNION ALL
      SELECT * FROM asm_sessions WHERE :agent_id IS NULL)
WHERE (:status IS NULL OR status = :status)
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
