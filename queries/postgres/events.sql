-- name: append_event(id, type, timestamp, session_id, run_id, data, metadata, schema_version, provider, correlation_id, now)^
-- Append one event in one statement: bump the session's counter and insert at the new number,
-- unless the id is stored already. Returns the event's number and whether it was stored
-- already (the caller then reads it: only the number travels back on the common path), or no
-- row when the counter is at 2**63 - 1. A concurrent append of the same id fails on the primary
-- key and rolls the bump back; the caller retries.
WITH stored AS (
    SELECT sequence_number
    FROM asm_events
    WHERE id = :id
), advanced AS (
    INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at)
    SELECT CAST(:session_id AS varchar), 1, CAST(:now AS timestamptz)
    WHERE NOT EXISTS (SELECT 1 FROM stored)
    ON CONFLICT (session_id) DO UPDATE
        SET last_sequence = q.last_sequence + 1,
            updated_at    = excluded.updated_at
        WHERE q.last_sequence < 9223372036854775807
    RETURNING last_sequence
), inserted AS (
    INSERT INTO asm_events
        (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
         schema_version, provider, correlation_id)
    SELECT CAST(:id AS varchar), CAST(:type AS varchar), CAST(:timestamp AS timestamptz),
           CAST(:session_id AS varchar), CAST(:run_id AS varchar), last_sequence,
           CAST(:data AS jsonb), CAST(:metadata AS jsonb), CAST(:schema_version AS integer),
           CAST(:provider AS varchar), CAST(:correlation_id AS varchar)
    FROM advanced
    RETURNING sequence_number
)
SELECT sequence_number, FALSE AS already_stored FROM inserted
UNION ALL
SELECT sequence_number, TRUE FROM stored;

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

-- name: insert_events(rows)!
-- Insert events whose numbers were reserved with advance_sequence: the batch as one JSON array of
-- row objects (data and metadata as JSON text), so one statement per batch (per 64 MiB piece:
-- get_max_packet) and one firing of 0004's statement trigger, not one per row as executemany's.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
SELECT r.id, r.type, r.timestamp, r.session_id, r.run_id, r.sequence_number, CAST(r.data AS jsonb),
       CAST(r.metadata AS jsonb), r.schema_version, r.provider, r.correlation_id
FROM JSONB_TO_RECORDSET(CAST(:rows AS jsonb)) AS r
    (id varchar, type varchar, timestamp timestamptz, session_id varchar, run_id varchar,
     sequence_number bigint, data text, metadata text, schema_version integer, provider varchar,
     correlation_id varchar);

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

-- name: get_latest_sequence(session_id)$
-- A session's counter: the last number handed out (none when the session never had events).
SELECT last_sequence FROM asm_session_sequences WHERE session_id = :session_id;

-- name: get_max_packet()$
-- The size batches split their id lists and rows at: PostgreSQL takes up to 1 GB, 64 MiB keeps one statement sane.
SELECT 67108864;
