-- name: upsert_run(id, session_id, status, input, output, error, metadata, turn_count, token_usage, started_at, ended_at, provider, provider_metadata)!
-- Insert or replace a run by id.
INSERT INTO asm_runs
    (id, session_id, status, input, output, error, metadata, turn_count, token_usage,
     started_at, ended_at, provider, provider_metadata)
VALUES
    (:id, :session_id, :status, CAST(:input AS jsonb), CAST(:output AS jsonb), CAST(:error AS jsonb),
     CAST(:metadata AS jsonb), :turn_count, CAST(:token_usage AS jsonb), :started_at, :ended_at,
     :provider, CAST(:provider_metadata AS jsonb))
ON CONFLICT (id) DO UPDATE SET
    session_id        = excluded.session_id,
    status            = excluded.status,
    input             = excluded.input,
    output            = excluded.output,
    error             = excluded.error,
    metadata          = excluded.metadata,
    turn_count        = excluded.turn_count,
    token_usage       = excluded.token_usage,
    started_at        = excluded.started_at,
    ended_at          = excluded.ended_at,
    provider          = excluded.provider,
    provider_metadata = excluded.provider_metadata;

-- name: get_run(id)^
-- One run by id.
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, provider_metadata
FROM asm_runs
WHERE id = :id;

-- name: list_runs(session_id, status, limit)
-- A session's runs in start order, optionally of one status (NULL = any).
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, provider_metadata
FROM asm_runs
WHERE session_id = :session_id
  AND (CAST(:status AS text) IS NULL OR status = :status)
ORDER BY started_at, id
LIMIT :limit;

-- name: get_active_run(session_id)^
-- The most recently started running run of a session.
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, provider_metadata
FROM asm_runs
WHERE session_id = :session_id
  AND status = 'running'
ORDER BY started_at DESC, id DESC
LIMIT 1;
