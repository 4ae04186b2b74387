-- name: search_sessions_updated_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), most recently updated first.
-- The cursor is an index range even when absent ('~' sorts after every timestamp): SQLite plans
-- a statement once, blind to the values, and `:after IS NULL OR ...` would read from the start.
-- An agent filter gets a UNION ALL branch of its own (asm_sessions_agent_*_idx, in the page's
-- order), the other branch is skipped at once.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM (SELECT * FROM asm_sessions WHERE agent_id = :agent_id
      UNION ALL
      SELECT * FROM asm_sessions WHERE :agent_id IS NULL) AS s
WHERE (:statuses IS NULL OR s.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR NOT EXISTS (SELECT 1 FROM JSON_EACH(:tags) AS wanted
                       WHERE wanted.value NOT IN (SELECT j.value FROM JSON_EACH(s.tags) AS j)))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (s.updated_at, s.id) < (IFNULL(:after_at, '~'), IFNULL(:after_id, ''))
ORDER BY s.updated_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), newest first.
-- The cursor is an index range even when absent ('~' sorts after every timestamp): SQLite plans
-- a statement once, blind to the values, and `:after IS NULL OR ...` would read from the start.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
-- An agent filter gets a UNION ALL branch of its own (asm_sessions_agent_*_idx, in the page's
-- order), the other branch is skipped at once.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM (SELECT * FROM asm_sessions WHERE agent_id = :agent_id
      UNION ALL
      SELECT * FROM asm_sessions WHERE :agent_id IS NULL) AS s
WHERE (:statuses IS NULL OR s.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR NOT EXISTS (SELECT 1 FROM JSON_EACH(:tags) AS wanted
                       WHERE wanted.value NOT IN (SELECT j.value FROM JSON_EACH(s.tags) AS j)))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (s.created_at, s.id) < (CASE WHEN :created_before || ' ' < IFNULL(:after_at, '~')
                                   THEN :created_before || ' ' ELSE IFNULL(:after_at, '~') END,
                              CASE WHEN :created_before || ' ' < IFNULL(:after_at, '~')
                                   THEN '' ELSE IFNULL(:after_id, '') END)
  AND s.created_at >= IFNULL(:created_after, '')
ORDER BY s.created_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_asc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), oldest first.
-- The cursor is an index range even when absent ('' sorts before every timestamp): SQLite plans
-- a statement once, blind to the values, and `:after IS NULL OR ...` would read from the start.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
-- An agent filter gets a UNION ALL branch of its own (asm_sessions_agent_*_idx, in the page's
-- order), the other branch is skipped at once.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM (SELECT * FROM asm_sessions WHERE agent_id = :agent_id
      UNION ALL
      SELECT * FROM asm_sessions WHERE :agent_id IS NULL) AS s
WHERE (:statuses IS NULL OR s.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR NOT EXISTS (SELECT 1 FROM JSON_EACH(:tags) AS wanted
                       WHERE wanted.value NOT IN (SELECT j.value FROM JSON_EACH(s.tags) AS j)))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (s.created_at, s.id) > (CASE WHEN :created_after > IFNULL(:after_at, '')
                                   THEN :created_after ELSE IFNULL(:after_at, '') END,
                              CASE WHEN :created_after > IFNULL(:after_at, '')
                                   THEN '' ELSE IFNULL(:after_id, '') END)
  AND s.created_at < IFNULL(:created_before || ' ', '~')
ORDER BY s.created_at, s.id
LIMIT :limit;

-- name: count_sessions(agent_id, statuses, provider, tags, created_after, created_before, include_deleted)$
-- How many sessions match the filters of search_sessions (ignoring pages).
SELECT COUNT(*)
FROM asm_sessions AS s
WHERE (:agent_id IS NULL OR s.agent_id = :agent_id)
  AND (:statuses IS NULL OR s.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR NOT EXISTS (SELECT 1 FROM JSON_EACH(:tags) AS wanted
                       WHERE wanted.value NOT IN (SELECT j.value FROM JSON_EACH(s.tags) AS j)))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL);

-- name: search_runs_started_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most recently started first.
-- SQLite plans a statement once, blind to the values: a session filter gets a UNION ALL branch
-- (and index) of its own, the other branch is skipped at once; the cursor is a range even when
-- absent ('~' sorts after every timestamp).
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata
FROM (SELECT * FROM asm_runs WHERE session_id = :session_id
      UNION ALL
      SELECT * FROM asm_runs WHERE :session_id IS NULL) AS r
WHERE (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (r.started_at, r.id) < (CASE WHEN :started_before || ' ' < IFNULL(:after_at, '~')
                                   THEN :started_before || ' ' ELSE IFNULL(:after_at, '~') END,
                              CASE WHEN :started_before || ' ' < IFNULL(:after_at, '~')
                                   THEN '' ELSE IFNULL(:after_id, '') END)
  AND r.started_at >= IFNULL(:started_after, '')
ORDER BY r.started_at DESC, r.id DESC
LIMIT :limit;

-- name: search_runs_started_asc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), oldest first.
-- SQLite plans a statement once, blind to the values: a session filter gets a UNION ALL branch
-- (and index) of its own, the other branch is skipped at once; the cursor is a range even when
-- absent ('' sorts before every timestamp).
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata
FROM (SELECT * FROM asm_runs WHERE session_id = :session_id
      UNION ALL
      SELECT * FROM asm_runs WHERE :session_id IS NULL) AS r
WHERE (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (r.started_at, r.id) > (CASE WHEN :started_after > IFNULL(:after_at, '')
                                   THEN :started_after ELSE IFNULL(:after_at, '') END,
                              CASE WHEN :started_after > IFNULL(:after_at, '')
                                   THEN '' ELSE IFNULL(:after_id, '') END)
  AND r.started_at < IFNULL(:started_before || ' ', '~')
ORDER BY r.started_at, r.id
LIMIT :limit;

-- name: search_runs_tokens_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_tokens, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most total tokens first
-- (a missing or non-numeric total counts as 0), read from asm_runs_total_tokens_idx.
-- SQLite plans a statement once, blind to the values: a session filter gets a UNION ALL branch
-- (and index) of its own, the other branch is skipped at once; the cursor is a range even when
-- absent (9e999 is infinity).
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata,
       r.total_tokens AS sort_tokens
FROM (SELECT * FROM asm_runs WHERE session_id = :session_id
      UNION ALL
      SELECT * FROM asm_runs WHERE :session_id IS NULL) AS r
WHERE (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.value FROM JSON_EACH(:statuses) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (r.total_tokens, r.id) < (IFNULL(:after_tokens, 9e999), IFNULL(:after_id, ''))
ORDER BY r.total_tokens DESC, r.id DESC
LIMIT :limit;

-- name: search_events_sequence_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_session_id, after_sequence, limit)
-- One keyset page of events matching the filters (NULL = any), session by session in sequence
-- order (the order of the unique (session_id, sequence_number) index). SQLite plans a statement
-- once, blind to the values: the cursor is a range even when absent, and a correlation id gets a
-- UNION ALL branch (and index) of its own. With sessions listed, asm runs
-- search_session_events_sequence_asc.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT * FROM asm_events WHERE correlation_id = :correlation_id
      UNION ALL
      SELECT * FROM asm_events WHERE :correlation_id IS NULL) AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (e.session_id, e.sequence_number) > (IFNULL(:after_session_id, ''), IFNULL(:after_sequence, 0))
ORDER BY e.session_id, e.sequence_number
LIMIT :limit;

-- name: search_events_timestamp_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), oldest first. SQLite plans a
-- statement once, blind to the values: the cursor is a range even when absent ('' sorts before
-- every timestamp), and a correlation id gets a UNION ALL branch (and index) of its own. With
-- sessions listed, asm runs search_session_events_timestamp_asc.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT * FROM asm_events WHERE correlation_id = :correlation_id
      UNION ALL
      SELECT * FROM asm_events WHERE :correlation_id IS NULL) AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (e.timestamp, e.id) > (CASE WHEN :since > IFNULL(:after_at, '')
                                  THEN :since ELSE IFNULL(:after_at, '') END,
                             CASE WHEN :since > IFNULL(:after_at, '')
                                  THEN '' ELSE IFNULL(:after_id, '') END)
  AND e.timestamp < IFNULL(:until || ' ', '~')
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_events_timestamp_desc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), newest first. SQLite plans a
-- statement once, blind to the values: the cursor is a range even when absent ('~' sorts after
-- every timestamp), and a correlation id gets a UNION ALL branch (and index) of its own. With
-- sessions listed, asm runs search_session_events_timestamp_desc.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT * FROM asm_events WHERE correlation_id = :correlation_id
      UNION ALL
      SELECT * FROM asm_events WHERE :correlation_id IS NULL) AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (e.timestamp, e.id) < (CASE WHEN :until || ' ' < IFNULL(:after_at, '~')
                                  THEN :until || ' ' ELSE IFNULL(:after_at, '~') END,
                             CASE WHEN :until || ' ' < IFNULL(:after_at, '~')
                                  THEN '' ELSE IFNULL(:after_id, '') END)
  AND e.timestamp >= IFNULL(:since, '')
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: search_session_events_sequence_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_session_id, after_sequence, limit)
-- search_events_sequence_asc for a list of sessions: each listed session from the cursor's on is
-- an index range of at most `limit` rows (sequence numbers start at 1: only the cursor's session
-- starts past one), the correlated rowid IN being SQLite's per-session LIMIT.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT value AS id FROM JSON_EACH(:session_ids) WHERE value >= IFNULL(:after_session_id, '')) AS s
JOIN asm_events AS e ON e.rowid IN (
    SELECT p.rowid FROM asm_events AS p
    WHERE p.session_id = s.id
      AND (:run_ids IS NULL OR p.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
      AND (:types IS NULL OR p.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
      AND (:providers IS NULL OR p.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
      AND (:since IS NULL OR p.timestamp >= :since)
      AND (:until IS NULL OR p.timestamp <= :until)
      AND (:correlation_id IS NULL OR p.correlation_id = :correlation_id)
      AND p.sequence_number > CASE WHEN s.id = :after_session_id THEN :after_sequence ELSE 0 END
    ORDER BY p.sequence_number
    LIMIT :limit)
ORDER BY e.session_id, e.sequence_number
LIMIT :limit;

-- name: search_session_events_timestamp_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_asc for a list of sessions: the first `limit` rows of each listed session
-- (asm_events_session_timestamp_idx, from the cursor: '' sorts before every timestamp), merged;
-- the global timestamp index would be walked past every other session's events.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT value AS id FROM JSON_EACH(:session_ids)) AS s
JOIN asm_events AS e ON e.rowid IN (
    SELECT p.rowid FROM asm_events AS p
    WHERE p.session_id = s.id
      AND (:run_ids IS NULL OR p.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
      AND (:types IS NULL OR p.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
      AND (:providers IS NULL OR p.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
      AND (:since IS NULL OR p.timestamp >= :since)
      AND (:until IS NULL OR p.timestamp <= :until)
      AND (:correlation_id IS NULL OR p.correlation_id = :correlation_id)
      AND (p.timestamp, p.id) > (CASE WHEN :since > IFNULL(:after_at, '')
                                      THEN :since ELSE IFNULL(:after_at, '') END,
                                 CASE WHEN :since > IFNULL(:after_at, '')
                                      THEN '' ELSE IFNULL(:after_id, '') END)
      AND p.timestamp < IFNULL(:until || ' ', '~')
    ORDER BY p.timestamp, p.id
    LIMIT :limit)
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_session_events_timestamp_desc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_desc for a list of sessions: the last `limit` rows of each listed session
-- (asm_events_session_timestamp_idx, backwards from the cursor: '~' sorts after every timestamp),
-- merged.
-- The time filters bound the index range together with the cursor (the later start, the earlier
-- end), so a window far from the order's start is read from the window on (ids are never empty;
-- `t || ' '` sorts right after t).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT value AS id FROM JSON_EACH(:session_ids)) AS s
JOIN asm_events AS e ON e.rowid IN (
    SELECT p.rowid FROM asm_events AS p
    WHERE p.session_id = s.id
      AND (:run_ids IS NULL OR p.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
      AND (:types IS NULL OR p.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
      AND (:providers IS NULL OR p.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
      AND (:since IS NULL OR p.timestamp >= :since)
      AND (:until IS NULL OR p.timestamp <= :until)
      AND (:correlation_id IS NULL OR p.correlation_id = :correlation_id)
      AND (p.timestamp, p.id) < (CASE WHEN :until || ' ' < IFNULL(:after_at, '~')
                                      THEN :until || ' ' ELSE IFNULL(:after_at, '~') END,
                                 CASE WHEN :until || ' ' < IFNULL(:after_at, '~')
                                      THEN '' ELSE IFNULL(:after_id, '') END)
      AND p.timestamp >= IFNULL(:since, '')
    ORDER BY p.timestamp DESC, p.id DESC
    LIMIT :limit)
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: count_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- How many events match the filters of search_events (with sessions listed, asm runs
-- count_session_events). SQLite plans a statement once, blind to the values: a correlation id is a
-- count of its own, read from its index, and the other count is skipped at once.
SELECT (SELECT COUNT(*) FROM asm_events AS e
        WHERE e.correlation_id = :correlation_id
          AND (:session_ids IS NULL OR e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j))
          AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
          AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
          AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
          AND (:since IS NULL OR e.timestamp >= :since)
          AND (:until IS NULL OR e.timestamp <= :until))
     + (SELECT COUNT(*) FROM asm_events AS e
        WHERE :correlation_id IS NULL
          AND (:session_ids IS NULL OR e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j))
          AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
          AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
          AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
          AND (:since IS NULL OR e.timestamp >= :since)
          AND (:until IS NULL OR e.timestamp <= :until));

-- name: count_session_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- count_events for a list of sessions: the sessions' index ranges only.
SELECT COUNT(*)
FROM asm_events AS e
WHERE e.session_id IN (SELECT j.value FROM JSON_EACH(:session_ids) AS j)
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.value FROM JSON_EACH(:run_ids) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.value FROM JSON_EACH(:types) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.value FROM JSON_EACH(:providers) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id);

-- name: session_event_stats(session_id)^
-- How many events a session has, and the first and last event times.
SELECT COUNT(*) AS event_count, MIN(e.timestamp) AS first_event_at, MAX(e.timestamp) AS last_event_at
FROM asm_events AS e
WHERE e.session_id = :session_id;

-- name: session_run_groups(session_id)
-- A session's runs grouped by status and provider, with their token sums.
SELECT r.status, r.provider, COUNT(*) AS run_count,
       SUM(r.input_tokens) AS input_tokens,
       SUM(r.output_tokens) AS output_tokens,
       SUM(r.total_tokens) AS total_tokens
FROM asm_runs AS r
WHERE r.session_id = :session_id
GROUP BY r.status, r.provider;

-- name: usage_by_provider(session_id, agent_id, provider, since, until)
-- Token usage of the matching runs per provider (runs without one count as "unknown");
-- since/until bound started_at, inclusive. SQLite plans a statement once, blind to the values: a
-- session filter is a branch of its own, read from the session's index, and the other branch is
-- skipped at once (a UNION ALL in FROM would compute every run's token columns before filtering).
SELECT COALESCE(r.provider, 'unknown') AS provider, COUNT(*) AS run_count,
       SUM(r.input_tokens) AS input_tokens,
       SUM(r.output_tokens) AS output_tokens,
       SUM(r.total_tokens) AS total_tokens
FROM asm_runs AS r
WHERE r.session_id = :session_id
  AND (:agent_id IS NULL
       OR EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id AND s.agent_id = :agent_id))
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:since IS NULL OR r.started_at >= :since)
  AND (:until IS NULL OR r.started_at <= :until)
GROUP BY COALESCE(r.provider, 'unknown')
UNION ALL
SELECT COALESCE(r.provider, 'unknown') AS provider, COUNT(*) AS run_count,
       SUM(r.input_tokens) AS input_tokens,
       SUM(r.output_tokens) AS output_tokens,
       SUM(r.total_tokens) AS total_tokens
FROM asm_runs AS r
WHERE :session_id IS NULL
  AND (:agent_id IS NULL
       OR EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id AND s.agent_id = :agent_id))
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:since IS NULL OR r.started_at >= :since)
  AND (:until IS NULL OR r.started_at <= :until)
GROUP BY COALESCE(r.provider, 'unknown');
