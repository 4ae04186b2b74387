-- name: append_event(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)!
-- Insert one event at the number advance_sequence just reserved for it. MySQL has no
-- data-modifying CTE, so the bump is its own statement in the same transaction.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
VALUES
    (:id, :type, :timestamp, :session_id, :run_id, :sequence_number, :data, :metadata,
     :schema_version, :provider, :correlation_id);

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

-- name: advance_sequence(id, session_id, count, now)$
-- Reserve the next `count` numbers of a session's counter, locking it until commit, unless event
-- `id` is stored already (a single append's check; a batch, whose ids were looked up, passes NULL).
-- MySQL has no RETURNING: LAST_INSERT_ID(expr) hands the new value back with the row count (asm's
-- adapters answer `$` with it), or nothing when the id is stored (nothing reserved). Past
-- 2**63 - 1 it writes and answers 0, which the caller reads as "no numbers left" and rolls back.
-- The update repeats the parameters, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
SELECT :session_id, LAST_INSERT_ID(:count), :now
FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.id = :id)
ON DUPLICATE KEY UPDATE
    last_sequence = LAST_INSERT_ID(IF(last_sequence <= 9223372036854775807 - :count, last_sequence + :count, 0)),
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

-- name: get_latest_events(session_id, run_id, types, since, after, before, limit)
-- A session's latest events, newest first (the tail an agent reads each turn; asm returns
-- them in sequence order): get_events' filters, its index range read backwards from the end.
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
ORDER BY sequence_number DESC
LIMIT :limit;

-- name: get_latest_sequence(session_id)$
-- A session's counter: the last number handed out (none when the session never had events).
SELECT last_sequence FROM asm_session_sequences WHERE session_id = :session_id;

-- name: watch_session_appends(session_id, mark_seconds, min_seconds)!
-- Never run: append notifications are PostgreSQL's (asm/notify/waiters.py); here so that every
-- dialect has the same query names. It changes nothing.
UPDATE asm_session_sequences
SET last_sequence = last_sequence
WHERE session_id = :session_id AND :mark_seconds < :min_seconds AND 1 = 0;

-- name: get_max_packet()$
-- The largest statement this connection may send (batches split their id lists and rows to fit).
SELECT @@max_allowed_packet;
