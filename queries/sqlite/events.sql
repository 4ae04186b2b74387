-- name: append_event(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)!
-- Insert one event at the number advance_sequence just reserved for it. SQLite has no
-- data-modifying CTE, so the bump is its own statement in the same write transaction.
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
-- The stored events among a list of ids (a JSON array).
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM asm_events
WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: advance_sequence(id, session_id, count, now)$
-- Reserve the next `count` numbers of a session's counter unless event `id` is stored already (a
-- single append's check; a batch, whose ids were looked up, passes NULL); returns the last, or
-- nothing when the id is stored (nothing reserved). Past 2**63 - 1 (SQLite would turn the sum
-- into a float) it writes and returns 0, which the caller reads as "no numbers left" and rolls back.
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
SELECT :session_id, :count, :now
WHERE NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.id = :id)
ON CONFLICT (session_id) DO UPDATE
    SET last_sequence = CASE
            WHEN asm_session_sequences.last_sequence <= 9223372036854775807 - excluded.last_sequence
                THEN asm_session_sequences.last_sequence + excluded.last_sequence
            ELSE 0
        END,
        updated_at    = excluded.updated_at
RETURNING last_sequence;

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
-- SQLite plans a statement once, blind to the values: a run filter gets a UNION ALL branch of
-- its own (asm_events_session_run_sequence_idx: a late run of a long session is read without
-- walking the session), the other branch is skipped at once; SQLite merges the two in order.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM (SELECT * FROM asm_events WHERE session_id = :session_id AND run_id = :run_id
      UNION ALL
      SELECT * FROM asm_events WHERE session_id = :session_id AND :run_id IS NULL) AS e
WHERE sequence_number > COALESCE(:after, 0)
  AND sequence_number < COALESCE(:before, 9223372036854775807)
  AND (:types IS NULL OR type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
  AND (:since IS NULL OR timestamp >= :since)
ORDER BY sequence_number
LIMIT :limit;

-- name: get_latest_events(session_id, run_id, types, since, after, before, limit)
-- A session's latest events, newest first (the tail an agent reads each turn; asm returns
-- them in sequence order): get_events' filters, its index range read backwards from the end.
-- The run filter takes a UNION ALL branch of its own, as in get_events.
SELECT id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
       schema_version, provider, correlation_id
FROM (SELECT * FROM asm_events WHERE session_id = :session_id AND run_id = :run_id
      UNION ALL
      SELECT * FROM asm_events WHERE session_id = :session_id AND :run_id IS NULL) AS e
WHERE sequence_number > COALESCE(:after, 0)
  AND sequence_number < COALESCE(:before, 9223372036854775807)
  AND (:types IS NULL OR type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
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
-- The size batches split their id lists and rows at: SQLite takes texts up to 1e9 bytes,
-- 64 MiB keeps one statement sane.
SELECT 67108864;
