-- name: upsert_run(id, session_id, status, input, output, error, metadata, turn_count, token_usage, started_at, ended_at, provider, provider_metadata)!
-- Insert or replace a run by id.
-- The new row is a derived table, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_runs
    (id, session_id, status, input, output, error, metadata, turn_count, token_usage,
     started_at, ended_at, provider, provider_metadata)
SELECT * FROM (
    SELECT :id AS id, :session_id AS session_id, :status AS status, :input AS input, :output AS output,
           :error AS error, :metadata AS metadata, :turn_count AS turn_count, :token_usage AS token_usage,
           :started_at AS started_at, :ended_at AS ended_at, :provider AS provider,
           :provider_metadata AS provider_metadata) AS incoming
ON DUPLICATE KEY UPDATE
    session_id        = incoming.session_id,
    status            = incoming.status,
    input             = incoming.input,
    output            = incoming.output,
    error             = incoming.error,
    metadata          = incoming.metadata,
    turn_count        = incoming.turn_count,
    token_usage       = incoming.token_usage,
    started_at        = incoming.started_at,
    ended_at          = incoming.ended_at,
    provider          = incoming.provider,
    provider_metadata = incoming.provider_metadata;

-- name: get_run(id)^
-- One run by id. provider_metadata is NULL in rows older than V2 (added instantly, no default): read as {}.
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, COALESCE(provider_metadata, JSON_OBJECT()) AS provider_metadata
FROM asm_runs
WHERE id = :id;

-- name: list_runs(session_id, status, limit)
-- A session's runs in start order, optionally of one status (NULL = any).
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, COALESCE(provider_metadata, JSON_OBJECT()) AS provider_metadata
FROM asm_runs
WHERE session_id = :session_id
  AND (:status IS NULL OR status = :status)
ORDER BY started_at, id
LIMIT :limit;

-- name: get_active_run(session_id)^
-- The most recently started running run of a session.
SELECT id, session_id, status, input, output, error, metadata, turn_count, token_usage,
       started_at, ended_at, provider, COALESCE(provider_metadata, JSON_OBJECT()) AS provider_metadata
FROM asm_runs
WHERE session_id = :session_id
  AND status = 'running'
ORDER BY started_at DESC, id DESC
LIMIT 1;
