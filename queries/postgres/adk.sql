-- name: adk_append_event(id, type, timestamp, session_id, run_id, data, metadata, schema_version, provider, correlation_id, now, seen, state_delta, last_update, updated_at)^
-- Google ADK's append_event in one statement: the event takes number :seen + 1 only if the writer has seen the
-- latest (:seen) and the session row is live; the session's state delta is merged and its last update time set.
-- Returns the event's number, or no row when it is stale, the session is gone or has no counter row yet (nothing
-- is changed then; the caller's transaction of several statements says which). The counter row is updated, never
-- inserted: a session deleted meanwhile (its counter row with it) leaves nothing behind. The event's id is new (no
-- stored-id probe: a stored one fails on the primary key).
WITH advanced AS (
    UPDATE asm_session_sequences AS q
    SET last_sequence = q.last_sequence + 1,
        updated_at    = CAST(:now AS timestamptz)
    WHERE q.session_id = :session_id
      AND q.last_sequence = CAST(:seen AS bigint)
      AND EXISTS (SELECT FROM asm_sessions AS s WHERE s.id = :session_id AND s.deleted_at IS NULL)
    RETURNING q.last_sequence
),
touched AS (
    UPDATE asm_sessions AS s
    SET context    = JSONB_SET(
                         JSONB_SET(s.context, '{state}',
                                   CASE WHEN JSONB_TYPEOF(s.context -> 'state') = 'object'
                                        THEN s.context -> 'state' ELSE '{}' END
                                   || CAST(:state_delta AS jsonb)),
                         '{last_update_time}', CAST(:last_update AS jsonb)),
        updated_at = :updated_at
    FROM advanced
    WHERE s.id = :session_id
    RETURNING s.id
)
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
SELECT CAST(:id AS varchar), CAST(:type AS varchar), CAST(:timestamp AS timestamptz),
       CAST(:session_id AS varchar), CAST(:run_id AS varchar), advanced.last_sequence,
       CAST(:data AS jsonb), CAST(:metadata AS jsonb), CAST(:schema_version AS integer),
       CAST(:provider AS varchar), CAST(:correlation_id AS varchar)
FROM advanced
RETURNING sequence_number;

-- name: adk_save_session_state(session_id, context, updated_at)!
-- Store an ADK session's context (its state and last update time) after an append in several statements.
UPDATE asm_sessions
SET context = CAST(:context AS jsonb), updated_at = :updated_at
WHERE id = :session_id;
