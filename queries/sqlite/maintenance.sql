-- name: expired_session_ids(created_before, completed_before, terminal_statuses, exempt_statuses, exempt_tags, after_id, limit)
-- Live, non-exempt sessions past a retention age: created before created_before, or in a
-- terminal status and last updated before completed_before (NULL = no such limit); in id
-- order after after_id ('' to start), so each batch reads on from the last.
SELECT s.id
FROM asm_sessions AS s
WHERE s.id > :after_id
  -- Unary +: no index for this term. SQLite's statistics count NULLs as distinct values, so
  -- asm_sessions_deleted_at_idx looks selective for IS NULL, which nearly every session is.
  AND +s.deleted_at IS NULL
  AND (:exempt_statuses IS NULL OR NOT (s.status IN (SELECT j.value FROM JSON_EACH(:exempt_statuses) AS j)))
  AND (:exempt_tags IS NULL OR NOT EXISTS (SELECT 1 FROM JSON_EACH(s.tags) AS t
                   WHERE t.value IN (SELECT j.value FROM JSON_EACH(:exempt_tags) AS j)))
  AND ((:created_before IS NOT NULL AND s.created_at < :created_before)
       OR (:completed_before IS NOT NULL AND s.updated_at < :completed_before
           AND s.status IN (SELECT j.value FROM JSON_EACH(:terminal_statuses) AS j)))
ORDER BY s.id
LIMIT :limit;

-- name: soft_delete_sessions(ids, now)!
-- Soft-delete the listed sessions that are still live.
UPDATE asm_sessions SET deleted_at = :now
WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j) AND +deleted_at IS NULL;  -- +: as in expired_session_ids

-- name: hard_delete_session_ids(deleted_before, after_id, limit)
-- Sessions soft-deleted before a cutoff, due for hard deletion, in id order after after_id.
SELECT s.id
FROM asm_sessions AS s
WHERE s.id > :after_id
  AND s.deleted_at < :deleted_before
ORDER BY s.id
LIMIT :limit;

-- name: delete_events_of_sessions(ids)!
-- Hard-delete every event of the listed sessions.
DELETE FROM asm_events WHERE session_id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_runs_of_sessions(ids)!
-- Hard-delete every run of the listed sessions.
DELETE FROM asm_runs WHERE session_id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_artifacts_of_sessions(ids)!
-- Hard-delete the artifact rows of the listed sessions.
DELETE FROM asm_artifacts WHERE session_id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_sequences_of_sessions(ids)!
-- Hard-delete the event counters of the listed sessions.
DELETE FROM asm_session_sequences WHERE session_id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_sessions_by_ids(ids)!
-- Hard-delete the listed session rows.
DELETE FROM asm_sessions WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_events_by_ids(ids)!
-- Hard-delete the listed events.
DELETE FROM asm_events WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: delete_artifacts_by_ids(ids)!
-- Hard-delete the listed artifact rows.
DELETE FROM asm_artifacts WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);

-- name: sessions_over_event_limit(max_events, after_session_id, limit)
-- Sessions holding more than max_events events, in id order after after_session_id ('' to
-- start). A session holds at most last_sequence events (numbers are gap-free and never
-- reused), so only counters above the limit are candidates. Its events lie between its lowest
-- number and the counter: one index probe clears a session already pruned to the limit; the
-- others are checked by reading at most max_events + 1 entries of its sequence index.
SELECT q.session_id
FROM asm_session_sequences AS q
WHERE q.session_id > :after_session_id
  AND q.last_sequence > :max_events
  AND (SELECT e.sequence_number FROM asm_events AS e WHERE e.session_id = q.session_id
       ORDER BY e.sequence_number LIMIT 1) <= q.last_sequence - :max_events
  AND (SELECT e.sequence_number FROM asm_events AS e WHERE e.session_id = q.session_id
       ORDER BY e.sequence_number LIMIT 1 OFFSET :max_events) IS NOT NULL
ORDER BY q.session_id
LIMIT :limit;

-- name: session_counter(session_id)$
-- A session's counter: an upper bound of how many events it holds (NULL: no counter).
SELECT last_sequence FROM asm_session_sequences WHERE session_id = :session_id;

-- name: session_event_span(session_id, types)^
-- How many events a session holds, its lowest and highest numbers, and how many are of
-- `types` (NULL: 0): index-only reads of its index ranges, in one statement so one snapshot.
SELECT COUNT(*) AS total, MIN(e.sequence_number) AS lowest, MAX(e.sequence_number) AS highest,
       CASE WHEN :types IS NULL THEN 0 ELSE
           (SELECT COUNT(*) FROM asm_events AS t
            WHERE t.session_id = :session_id AND t.type IN (SELECT j.value FROM JSON_EACH(:types) AS j)) END AS of_types
FROM asm_events AS e
WHERE e.session_id = :session_id;

-- name: nth_prunable_session_event(session_id, only_types, skip_types, after_sequence, through_sequence, offset)^
-- Where a prune pass ends: the offset-th (from 0) of a session's events numbered
-- after_sequence < n <= through_sequence, of only_types (NULL: any) and not of skip_types, in
-- number order. Read once per pass.
SELECT e.id, e.sequence_number
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND e.sequence_number > :after_sequence AND e.sequence_number <= :through_sequence
  AND (:only_types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:only_types) AS j))
  AND (:skip_types IS NULL OR NOT (e.type IN (SELECT j.value FROM JSON_EACH(:skip_types) AS j)))
ORDER BY e.sequence_number
LIMIT 1 OFFSET :offset;

-- name: session_events_page(session_id, after_sequence, through_sequence, limit)
-- One prune batch: a session's next `limit` events numbered after_sequence < n <=
-- through_sequence, with their types (the batch deletes its pass's candidates among them).
-- No other filter: a range of the (session_id, sequence_number) index cut by the LIMIT, so a
-- batch reads about `limit` rows however long the session.
SELECT e.id, e.sequence_number, e.type
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND e.sequence_number > :after_sequence AND e.sequence_number <= :through_sequence
ORDER BY e.sequence_number
LIMIT :limit;

-- name: counted_events_bound()$
-- At least how many events are stored: the sum of the counters (a scan of the small table).
SELECT COALESCE(SUM(last_sequence), 0) FROM asm_session_sequences;

-- name: count_all_events(types)^
-- How many events are stored, how many are of `types` (NULL: 0), the oldest timestamp and the
-- newest (timestamp, id), in one statement so one snapshot. The counts are full index scans,
-- run only when the counters' sum is over the limit; the ends are index lookups.
SELECT (SELECT COUNT(*) FROM asm_events) AS total,
       CASE WHEN :types IS NULL THEN 0 ELSE
           (SELECT COUNT(*) FROM asm_events AS t
            WHERE t.type IN (SELECT j.value FROM JSON_EACH(:types) AS j)) END AS of_types,
       (SELECT t.timestamp FROM asm_events AS t ORDER BY t.timestamp, t.id LIMIT 1) AS oldest_at,
       n.timestamp AS newest_at, n.id AS newest_id
FROM (SELECT t.timestamp, t.id FROM asm_events AS t ORDER BY t.timestamp DESC, t.id DESC LIMIT 1) AS n;

-- name: nth_prunable_event(only_types, skip_types, after_at, after_id, through_at, through_id, offset)^
-- Where a global prune pass ends: the offset-th (from 0) event of any session with
-- (after_at, after_id) < (timestamp, id) <= (through_at, through_id), of only_types (NULL: any)
-- and not of skip_types, oldest first. Read once per pass.
SELECT e.id, e.timestamp
FROM asm_events AS e
WHERE (e.timestamp, e.id) > (:after_at, :after_id)
  AND (e.timestamp, e.id) <= (:through_at, :through_id)
  AND (:only_types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:only_types) AS j))
  AND (:skip_types IS NULL OR NOT (e.type IN (SELECT j.value FROM JSON_EACH(:skip_types) AS j)))
ORDER BY e.timestamp, e.id
LIMIT 1 OFFSET :offset;

-- name: events_page(after_at, after_id, through_at, through_id, limit)
-- One global prune batch: the next `limit` events of any session with (after_at, after_id) <
-- (timestamp, id) <= (through_at, through_id), oldest first, with their types: a range of the
-- timestamp index.
SELECT e.id, e.timestamp, e.type
FROM asm_events AS e
WHERE (e.timestamp, e.id) > (:after_at, :after_id)
  AND (e.timestamp, e.id) <= (:through_at, :through_id)
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: orphaned_artifact_ids(after_id, limit)
-- Artifact rows whose session no longer exists, in id order after after_id.
SELECT a.id
FROM asm_artifacts AS a
WHERE a.id > :after_id
  AND a.session_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = a.session_id)
ORDER BY a.id
LIMIT :limit;

-- name: lock_orphaned_sequences(after_session_id, limit)
-- Counters that neither a session row nor any event uses, in id order after after_session_id,
-- locked until commit so an append cannot slip in between this check and the delete.
SELECT q.session_id
FROM asm_session_sequences AS q
WHERE q.session_id > :after_session_id
  AND NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = q.session_id)
  AND NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.session_id = q.session_id)
ORDER BY q.session_id
LIMIT :limit;

-- name: delete_orphaned_sequences(ids)!
-- Delete the listed counters, checking again that nothing uses them.
DELETE FROM asm_session_sequences
WHERE session_id IN (SELECT j.value FROM JSON_EACH(:ids) AS j)
  AND NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = asm_session_sequences.session_id)
  AND NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.session_id = asm_session_sequences.session_id);

-- name: session_health()
-- Each session id events use whose session row is missing (with its event count) or whose
-- counter is below its highest number. The ids come from a skip scan of the
-- (session_id, sequence_number) index, one lookup per session, not a read of every event.
WITH RECURSIVE ids (session_id) AS (
    SELECT MIN(e.session_id) FROM asm_events AS e
    UNION ALL
    SELECT (SELECT MIN(e.session_id) FROM asm_events AS e WHERE e.session_id > ids.session_id)
    FROM ids
    WHERE ids.session_id IS NOT NULL
), health AS (
    SELECT i.session_id,
           NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = i.session_id) AS orphaned,
           (SELECT MAX(e.sequence_number) FROM asm_events AS e WHERE e.session_id = i.session_id) AS highest,
           q.last_sequence AS counter
    FROM ids AS i
    LEFT JOIN asm_session_sequences AS q ON q.session_id = i.session_id
    WHERE i.session_id IS NOT NULL
)
SELECT h.session_id, h.highest, h.counter,
       CASE WHEN h.orphaned THEN (SELECT COUNT(*) FROM asm_events AS e WHERE e.session_id = h.session_id) END
           AS orphaned_events
FROM health AS h
WHERE h.orphaned OR h.highest > COALESCE(h.counter, 0)
ORDER BY h.session_id;

-- name: runs_without_session()^
-- How many runs reference a session that has no row, and one such session id: a pass over
-- asm_runs (runs are few per session, so this is cheaper than a lookup per session id).
SELECT COUNT(*) AS problems, MIN(r.session_id) AS example
FROM asm_runs AS r
WHERE NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id);

-- name: statistics_sample_limit()!
-- Bound the next ANALYZE to about 1,000 rows per index (without it, it reads every row).
PRAGMA analysis_limit = 1000;

-- name: refresh_statistics()!
-- Planner statistics (sqlite_stat1): SQLite keeps none until ANALYZE; count_sessions(provider)
-- went from over 60 s to 64 ms.
ANALYZE;
