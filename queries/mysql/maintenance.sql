-- name: expired_session_ids(created_before, completed_before, terminal_statuses, exempt_statuses, exempt_tags, limit)
-- Live, non-exempt sessions past a retention age: created before created_before, or in a
-- terminal status and last updated before completed_before (NULL = no such limit).
SELECT s.id
FROM asm_sessions AS s
WHERE s.deleted_at IS NULL
  AND (:exempt_statuses IS NULL OR NOT (s.status IN (SELECT j.v FROM JSON_TABLE(:exempt_statuses, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j)))
  AND (:exempt_tags IS NULL OR NOT JSON_OVERLAPS(s.tags, :exempt_tags))
  AND ((:created_before IS NOT NULL AND s.created_at < :created_before)
       OR (:completed_before IS NOT NULL AND s.updated_at < :completed_before
           AND s.status IN (SELECT j.v FROM JSON_TABLE(:terminal_statuses, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j)))
ORDER BY s.id
LIMIT :limit;

-- name: soft_delete_sessions(ids, now)!
-- Soft-delete the listed sessions that are still live.
UPDATE asm_sessions AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.id = j.id
SET t.deleted_at = :now
WHERE t.deleted_at IS NULL;

-- name: hard_delete_session_ids(deleted_before, limit)
-- Sessions soft-deleted before a cutoff, due for hard deletion.
SELECT s.id
FROM asm_sessions AS s
WHERE s.deleted_at < :deleted_before
ORDER BY s.id
LIMIT :limit;

-- name: delete_events_of_sessions(ids)!
-- Hard-delete every event of the listed sessions.
DELETE t FROM asm_events AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.session_id = j.id;

-- name: delete_runs_of_sessions(ids)!
-- Hard-delete every run of the listed sessions.
DELETE t FROM asm_runs AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.session_id = j.id;

-- name: delete_artifacts_of_sessions(ids)!
-- Hard-delete the artifact rows of the listed sessions.
DELETE t FROM asm_artifacts AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.session_id = j.id;

-- name: delete_sequences_of_sessions(ids)!
-- Hard-delete the event counters of the listed sessions.
DELETE t FROM asm_session_sequences AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.session_id = j.id;

-- name: delete_sessions_by_ids(ids)!
-- Hard-delete the listed session rows.
DELETE t FROM asm_sessions AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.id = j.id;

-- name: delete_events_by_ids(ids)!
-- Hard-delete the listed events.
DELETE t FROM asm_events AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.id = j.id;

-- name: delete_artifacts_by_ids(ids)!
-- Hard-delete the listed artifact rows.
DELETE t FROM asm_artifacts AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.id = j.id;

-- name: sessions_over_event_limit(max_events, after_session_id, limit)
-- Sessions holding more than max_events events, in id order after a given one.
SELECT e.session_id
FROM asm_events AS e
WHERE (:after_session_id IS NULL OR e.session_id > :after_session_id)
GROUP BY e.session_id
HAVING COUNT(*) > :max_events
ORDER BY e.session_id
LIMIT :limit;

-- name: count_session_events(session_id)$
-- How many events a session holds.
SELECT COUNT(*) FROM asm_events WHERE session_id = :session_id;

-- name: prunable_session_events(session_id, protected_types, first_types, limit)
-- A session's events that pruning may remove, in pruning order: the prune-first types
-- first, then the rest; oldest first within each.
SELECT e.id
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND (:protected_types IS NULL OR NOT (e.type IN (SELECT j.v FROM JSON_TABLE(:protected_types, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j)))
ORDER BY CASE WHEN :first_types IS NULL THEN 1 WHEN e.type IN (SELECT j.v FROM JSON_TABLE(:first_types, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j) THEN 0 ELSE 1 END,
         e.sequence_number
LIMIT :limit;

-- name: count_all_events()$
-- How many events are stored in all.
SELECT COUNT(*) FROM asm_events;

-- name: prunable_events(protected_types, first_types, limit)
-- Events of any session that pruning may remove, in pruning order: the prune-first types
-- first, then the rest; oldest first within each.
SELECT e.id
FROM asm_events AS e
WHERE (:protected_types IS NULL OR NOT (e.type IN (SELECT j.v FROM JSON_TABLE(:protected_types, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j)))
ORDER BY CASE WHEN :first_types IS NULL THEN 1 WHEN e.type IN (SELECT j.v FROM JSON_TABLE(:first_types, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j) THEN 0 ELSE 1 END,
         e.timestamp, e.id
LIMIT :limit;

-- name: orphaned_artifact_ids(limit)
-- Artifact rows whose session no longer exists.
SELECT a.id
FROM asm_artifacts AS a
WHERE a.session_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = a.session_id)
ORDER BY a.id
LIMIT :limit;

-- name: lock_orphaned_sequences(limit)
-- Counters that neither a session row nor any event uses, locked until commit so an append
-- cannot slip in between this check and the delete.
SELECT q.session_id
FROM asm_session_sequences AS q
WHERE NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = q.session_id)
  AND NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.session_id = q.session_id)
ORDER BY q.session_id
LIMIT :limit
FOR UPDATE;

-- name: delete_orphaned_sequences(ids)!
-- Delete the listed counters, checking again that nothing uses them.
DELETE t FROM asm_session_sequences AS t
JOIN JSON_TABLE(:ids, '$[*]' COLUMNS (id VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j ON t.session_id = j.id
WHERE NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = t.session_id)
  AND NOT EXISTS (SELECT 1 FROM asm_events AS e WHERE e.session_id = t.session_id);

-- name: events_without_session()^
-- How many events reference a session that has no row, and one such session id.
SELECT COUNT(*) AS problems, MIN(e.session_id) AS example
FROM asm_events AS e
WHERE NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = e.session_id);

-- name: runs_without_session()^
-- How many runs reference a session that has no row, and one such session id.
SELECT COUNT(*) AS problems, MIN(r.session_id) AS example
FROM asm_runs AS r
WHERE NOT EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id);

-- name: sequences_behind_events()
-- Sessions whose counter is lower than their highest stored sequence number (or missing).
SELECT e.session_id, MAX(e.sequence_number) AS highest, MAX(q.last_sequence) AS counter
FROM asm_events AS e
LEFT JOIN asm_session_sequences AS q ON q.session_id = e.session_id
GROUP BY e.session_id
HAVING MAX(e.sequence_number) > COALESCE(MAX(q.last_sequence), 0)
ORDER BY e.session_id
LIMIT 20;

-- name: statistics_sample_limit()!
-- A no-op: InnoDB samples a fixed number of pages (innodb_stats_persistent_sample_pages).
SELECT 1;

-- name: refresh_statistics()!
-- A no-op: InnoDB's persistent statistics recalculate themselves (innodb_stats_auto_recalc); ANALYZE TABLE would commit the batch's transaction.
SELECT 1;
