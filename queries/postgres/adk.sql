-- name: adk_append_event(id, type, timestamp, session_id, run_id, data, metadata, schema_version, provider, correlation_id, now, seen, state_delta, last_update, updated_at)^
-- Google ADK's append_event in one statement: the event takes number :seen + 1 only if the writer has seen the
-- latest (:seen) and the session row is live; the session's state delta is merged and its last update time set.
-- Returns the event's number, or no row when it is stale, the session is gone or has no counter row yet (nothing
-- is changed then; the caller's transaction of several statements says which). The counter row is updated, never
-- inserted: a session deleted meanwhile (its counter row with it) leaves nothing behind. The event's id is new (no
-- stored-id probe: a stored one fails on the primary key). The statement is the body of asm_adk_append_event
-- (migrations/postgres/0007), whose plan each server connection keeps.
SELECT appended AS sequence_number
FROM asm_adk_append_event(CAST(:id AS varchar), CAST(:type AS varchar), CAST(:timestamp AS timestamptz),
                          CAST(:session_id AS varchar), CAST(:run_id AS varchar), CAST(:data AS jsonb),
                          CAST(:metadata AS jsonb), CAST(:schema_version AS integer), CAST(:provider AS varchar),
                          CAST(:correlation_id AS varchar), CAST(:now AS timestamptz), CAST(:seen AS bigint),
                          CAST(:state_delta AS jsonb), CAST(:last_update AS jsonb),
                          CAST(:updated_at AS timestamptz)) AS appended
WHERE appended IS NOT NULL;

-- name: adk_save_session_state(session_id, context, updated_at)!
-- Store an ADK session's context (its state and last update time) after an append in several statements.
UPDATE asm_sessions
SET context = CAST(:context AS jsonb), updated_at = :updated_at
WHERE id = :session_id;
