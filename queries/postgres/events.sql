-- name: append_event(id, type, timestamp, session_id, run_id, data, metadata, schema_version, provider, correlation_id, now)^
-- Append one event in one statement: bump the session's counter and insert at the new number,
-- unless the id is stored already. Returns the event's number, or no row when the id is stored
-- already or the counter is at 2**63 - 1 (the caller reads which: the common path stays the
-- floor's statement plus one key probe). A concurrent append of the same id fails on the
-- primary key and rolls the bump back; the caller retries. The statement is the body of
-- asm_append_event (migrations/postgres/0007), whose plan each server connection keeps.
SELECT appended AS sequence_number
FROM asm_append_event(CAST(:id AS varchar), CAST(:type AS varchar), CAST(:timestamp AS timestamptz),
                      CAST(:session_id AS varchar), CAST(:run_id AS varchar), CAST(:data AS jsonb),
                      CAST(:metadata AS jsonb), CAST(:schema_version AS integer), CAST(:provider AS varchar),
                      CAST(:correlation_id AS varchar), CAST(:now AS timestamptz)) AS appended
WHERE appended IS NOT NULL;

-- name: get_event_by_id(id)
-- The stored event with this id, if any (a single append's idempotency check).
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE id = :id;

-- name: get_events_by_ids(ids)
-- The stored events among a list of ids.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE id = ANY(CAST(:ids AS varchar[]));

-- name: advance_sequence(session_id, count, now)$
-- Reserve the next `count` numbers of a session's counter (locking it until commit); returns the
-- last, or nothing (and changes nothing) when they would pass 2**63 - 1.
INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at)
VALUES (:session_id, :count, :now)
ON CONFLICT (session_id) DO UPDATE
    SET last_sequence = q.last_sequence + excluded.last_sequence,
        updated_at    = excluded.updated_at
    WHERE q.last_sequence <= 9223372036854775807 - excluded.last_sequence
RETURNING last_sequence;

-- name: insert_events(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)!
-- Insert events whose numbers were reserved with advance_sequence: one array per column (asm sends
-- them as binary arrays; data and metadata as JSON text), so one statement per batch (per 64 MiB
-- piece: get_max_packet) and one firing of 0004's statement trigger, not one per row as executemany's.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
SELECT u.id, u.type, u.timestamp, u.session_id, u.run_id, u.sequence_number, CAST(u.data AS jsonb),
       CAST(u.metadata AS jsonb), u.schema_version, u.provider, u.correlation_id
FROM UNNEST(CAST(:id AS varchar[]), CAST(:type AS varchar[]), CAST(:timestamp AS timestamptz[]),
            CAST(:session_id AS varchar[]), CAST(:run_id AS varchar[]), CAST(:sequence_number AS bigint[]),
            CAST(:data AS text[]), CAST(:metadata AS text[]), CAST(:schema_version AS integer[]),
            CAST(:provider AS varchar[]), CAST(:correlation_id AS varchar[]))
    AS u (id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version,
          provider, correlation_id);

-- name: get_events(session_id, run_id, types, since, after, before, limit)
-- A session's events in sequence order. Each filter is optional (NULL = none); the sequence
-- bounds stay index range conditions so reading the tail of a long session stays cheap.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE session_id = :session_id
  AND sequence_number > COALESCE(CAST(:after AS bigint), 0)
  AND sequence_number < COALESCE(CAST(:before AS bigint), 9223372036854775807)
  AND (CAST(:run_id AS text) IS NULL OR run_id = :run_id)
  AND (CAST(:types AS text[]) IS NULL OR type = ANY(CAST(:types AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR timestamp >= :since)
ORDER BY sequence_number
LIMIT :limit;

-- name: get_latest_events(session_id, run_id, types, since, after, before, limit)
-- A session's latest events, newest first (the tail an agent reads each turn; asm returns
-- them in sequence order): get_events' filters, its index range read backwards from the end.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE session_id = :session_id
  AND sequence_number > COALESCE(CAST(:after AS bigint), 0)
  AND sequence_number < COALESCE(CAST(:before AS bigint), 9223372036854775807)
  AND (CAST(:run_id AS text) IS NULL OR run_id = :run_id)
  AND (CAST(:types AS text[]) IS NULL OR type = ANY(CAST(:types AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR timestamp >= :since)
ORDER BY sequence_number DESC
LIMIT :limit;

-- name: get_latest_sequence(session_id)$
-- A session's counter: the last number handed out (none when the session never had events).
SELECT last_sequence FROM asm_session_sequences WHERE session_id = :session_id;

-- name: watch_session_appends(session_id, mark_seconds, min_seconds)!
-- Have the session's appends notify long polls for mark_seconds from now, unless its mark lasts
-- min_seconds more already (then nothing is written). A long poll runs it before it reads; a
-- session with no counter row has no append yet, and its first one notifies anyway (0008).
UPDATE asm_session_sequences
SET notify_until = NOW() + MAKE_INTERVAL(secs => CAST(:mark_seconds AS double precision))
WHERE session_id = :session_id
  AND (notify_until IS NULL
       OR notify_until < NOW() + MAKE_INTERVAL(secs => CAST(:min_seconds AS double precision)));

-- name: get_max_packet()$
-- The size batches split their id lists and rows at: PostgreSQL takes up to 1 GB, 64 MiB keeps one statement sane.
SELECT 67108864;
