-- name: upsert_run(id, session_id, status, input, output, error, metadata, turn_count, token_usage, started_at, ended_at, provider, provider_metadata)!
-- Insert or replace a run by id.
INSERT INTO asm_runs
    (id, session_id, status, input, output, error, metadata, turn_count, token_usage,
     started_at, ended_at, provider, provider_metadata)
VALUES
    (:id, :session_id, :status, :input, :output, :error, :metadata, :turn_count, :token_usage,
     :started_at, :ended_at, :provider, :provider_metadata)
ON DUPLICATE KEY UPDATE
    session_id        = VALUES(session_id),
    status            = VALUES(status),
    input             = VALUES(input),
    output            = VALUES(output),
    error             = VALUES(error),
    metadata          = VALUES(metadata),
    turn_count        = VALUES(turn_count),
    token_usage       = VALUES(token_usage),
    started_at        = VALUES(started_at),
    ended_at          = VALUES(ended_at),
    provider          = VALUES(provider),
    provider_metadata = VALUES(provider_metadata);

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
  AND (:status IS NULL OR status = :status)
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
