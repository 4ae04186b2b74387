-- name: append_event(id, type, timestamp, session_id, run_id, data, metadata, schema_version, provider, correlation_id)!
-- Insert one event at the number advance_sequence just reserved. MySQL has no data-modifying
-- CTE, so the bump is its own statement in the same transaction.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
SELECT :id, :type, :timestamp, :session_id, :run_id, q.last_sequence, :data, :metadata,
       :schema_version, :provider, :correlation_id
FROM asm_session_sequences AS q
WHERE q.session_id = :session_id;

-- name: get_event_by_id(id)
-- The stored event with this id, if any (a single append's idempotency check).
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE id = :id;

-- name: get_events_by_ids(ids)
-- The stored events among a list of ids (a JSON array, expanded to rows for a key lookup each).
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE id IN (SELECT j.v FROM JSON_TABLE(:ids, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j);

-- name: advance_sequence(session_id, count, now)!
-- Reserve the next `count` numbers of a session's counter, locking it until commit (MySQL has no
-- RETURNING: read the new value with get_latest_sequence). Past 2**63 - 1 it writes 0 instead,
-- which the caller reads as "no numbers left" and rolls back.
-- The update repeats the parameters, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
VALUES (:session_id, :count, :now)
ON DUPLICATE KEY UPDATE
    last_sequence = IF(last_sequence <= 9223372036854775807 - :count, last_sequence + :count, 0),
    updated_at    = :now;

-- name: insert_events(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)*!
-- Insert events whose numbers were reserved with advance_sequence.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
VALUES
    (:id, :type, :timestamp, :session_id, :run_id, :sequence_number, :data, :metadata,
     :schema_version, :provider, :correlation_id);

-- name: get_events(session_id, run_id, types, since, after, before, limit)
-- A session's events in sequence order. Each filter is optional (NULL = none); the sequence
-- bounds stay index range conditions so reading the tail of a long session stays cheap.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE session_id = :session_id
  AND sequence_number > COALESCE(:after, 0)
  AND sequence_number < COALESCE(:before, 9223372036854775807)
  AND (:run_id IS NULL OR run_id = :run_id)
  AND (:types IS NULL OR type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                  COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR timestamp >= :since)
ORDER BY sequence_number
LIMIT :limit;

-- name: get_latest_sequence(session_id)$
-- A session's counter: the last number handed out (none when the session never had events).
SELECT last_sequence FROM asm_session_sequences WHERE session_id = :session_id;

-- name: get_max_packet()$
-- The largest statement this connection may send (batches split their id lists and rows to fit).
SELECT @@max_allowed_packet;
