-- name: search_sessions_updated_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), most recently updated first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (:agent_id IS NULL OR s.agent_id = :agent_id)
  AND (:statuses IS NULL OR s.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR JSON_CONTAINS(s.tags, :tags))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (:after_at IS NULL OR (s.updated_at <= :after_at AND (s.updated_at < :after_at OR s.id < :after_id)))
ORDER BY s.updated_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), newest first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (:agent_id IS NULL OR s.agent_id = :agent_id)
  AND (:statuses IS NULL OR s.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR JSON_CONTAINS(s.tags, :tags))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (:after_at IS NULL OR (s.created_at <= :after_at AND (s.created_at < :after_at OR s.id < :after_id)))
ORDER BY s.created_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_asc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), oldest first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (:agent_id IS NULL OR s.agent_id = :agent_id)
  AND (:statuses IS NULL OR s.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR JSON_CONTAINS(s.tags, :tags))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL)
  AND (:after_at IS NULL OR (s.created_at >= :after_at AND (s.created_at > :after_at OR s.id > :after_id)))
ORDER BY s.created_at, s.id
LIMIT :limit;

-- name: count_sessions(agent_id, statuses, provider, tags, created_after, created_before, include_deleted)$
-- How many sessions match the filters of search_sessions (ignoring pages).
SELECT COUNT(*)
FROM asm_sessions AS s
WHERE (:agent_id IS NULL OR s.agent_id = :agent_id)
  AND (:statuses IS NULL OR s.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:provider IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (:tags IS NULL OR JSON_CONTAINS(s.tags, :tags))
  AND (:created_after IS NULL OR s.created_at >= :created_after)
  AND (:created_before IS NULL OR s.created_at <= :created_before)
  AND (:include_deleted = 1 OR s.deleted_at IS NULL);

-- name: search_runs_started_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most recently started first.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider,
       COALESCE(r.provider_metadata, JSON_OBJECT()) AS provider_metadata
FROM asm_runs AS r
WHERE (:session_id IS NULL OR r.session_id = :session_id)
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (:after_at IS NULL OR (r.started_at <= :after_at AND (r.started_at < :after_at OR r.id < :after_id)))
ORDER BY r.started_at DESC, r.id DESC
LIMIT :limit;

-- name: search_runs_started_asc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), oldest first.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider,
       COALESCE(r.provider_metadata, JSON_OBJECT()) AS provider_metadata
FROM asm_runs AS r
WHERE (:session_id IS NULL OR r.session_id = :session_id)
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (:after_at IS NULL OR (r.started_at >= :after_at AND (r.started_at > :after_at OR r.id > :after_id)))
ORDER BY r.started_at, r.id
LIMIT :limit;

-- name: search_runs_tokens_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_tokens, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most total tokens first
-- (a missing or non-numeric total counts as 0), read from asm_runs_total_tokens_idx.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider,
       COALESCE(r.provider_metadata, JSON_OBJECT()) AS provider_metadata,
       r.total_tokens AS sort_tokens
FROM asm_runs AS r
WHERE (:session_id IS NULL OR r.session_id = :session_id)
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:statuses IS NULL OR r.status IN (SELECT j.v FROM JSON_TABLE(:statuses, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:started_after IS NULL OR r.started_at >= :started_after)
  AND (:started_before IS NULL OR r.started_at <= :started_before)
  AND (:min_tokens IS NULL OR r.total_tokens >= :min_tokens)
  AND (:after_tokens IS NULL
       OR (r.total_tokens <= :after_tokens AND (r.total_tokens < :after_tokens OR r.id < :after_id)))
ORDER BY r.total_tokens DESC, r.id DESC
LIMIT :limit;

-- name: search_events_sequence_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_session_id, after_sequence, limit)
-- One keyset page of events matching the filters (NULL = any), session by session in sequence
-- order (the order of the unique (session_id, sequence_number) index). With sessions listed, asm
-- runs search_session_events_sequence_asc.
-- The IN under OR is no semi-join; the list's MIN/MAX (constants to the optimizer) bound an index range.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.v FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id >= (SELECT MIN(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id <= (SELECT MAX(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_session_id IS NULL
       OR (e.session_id >= :after_session_id
           AND (e.session_id > :after_session_id OR e.sequence_number > :after_sequence)))
ORDER BY e.session_id, e.sequence_number
LIMIT :limit;

-- name: search_events_timestamp_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), oldest first (with sessions
-- listed, asm runs search_session_events_timestamp_asc).
-- The IN under OR is no semi-join; the list's MIN/MAX (constants to the optimizer) bound an index range.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.v FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id >= (SELECT MIN(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id <= (SELECT MAX(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_at IS NULL OR (e.timestamp >= :after_at AND (e.timestamp > :after_at OR e.id > :after_id)))
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_events_timestamp_desc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), newest first (with sessions
-- listed, asm runs search_session_events_timestamp_desc).
-- The IN under OR is no semi-join; the list's MIN/MAX (constants to the optimizer) bound an index range.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.v FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id >= (SELECT MIN(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id <= (SELECT MAX(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_at IS NULL OR (e.timestamp <= :after_at AND (e.timestamp < :after_at OR e.id < :after_id)))
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: search_session_events_sequence_asc(session_id, run_ids, types, providers, since, until, correlation_id, after_sequence, limit)
-- search_events_sequence_asc for one listed session: an index range from the cursor. MariaDB has
-- neither LATERAL nor LIMIT in an IN subquery, so asm runs this once per listed session, in id
-- order until the page is full (asm/query/events.py).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_sequence IS NULL OR e.sequence_number > :after_sequence)
ORDER BY e.sequence_number
LIMIT :limit;

-- name: search_session_events_timestamp_asc(session_id, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_asc for one listed session: asm_events_session_timestamp_idx, from the
-- cursor. MariaDB has neither LATERAL nor LIMIT in an IN subquery, so asm runs this once per listed
-- session and merges the pages, `until` tightened to the page's last row once it is full.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_at IS NULL OR (e.timestamp >= :after_at AND (e.timestamp > :after_at OR e.id > :after_id)))
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_session_events_timestamp_desc(session_id, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_desc for one listed session: asm_events_session_timestamp_idx,
-- backwards from the cursor. MariaDB has neither LATERAL nor LIMIT in an IN subquery, so asm runs this once per listed
-- session and merges the pages, `since` tightened to the page's last row once it is full.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE e.session_id = :session_id
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)
  AND (:after_at IS NULL OR (e.timestamp <= :after_at AND (e.timestamp < :after_at OR e.id < :after_id)))
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: count_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- How many events match the filters of search_events (with sessions listed, asm runs
-- count_session_events).
-- The IN under OR is no semi-join; the list's MIN/MAX (constants to the optimizer) bound an index range.
SELECT COUNT(*)
FROM asm_events AS e
WHERE (:session_ids IS NULL OR e.session_id IN (SELECT j.v FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id >= (SELECT MIN(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:session_ids IS NULL OR e.session_id <= (SELECT MAX(j.v) FROM JSON_TABLE(:session_ids, '$[*]'
                                                COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:types IS NULL OR e.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:providers IS NULL OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                            COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND (:since IS NULL OR e.timestamp >= :since)
  AND (:until IS NULL OR e.timestamp <= :until)
  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id);

-- name: count_session_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- count_events for a list of sessions, from the (session_id, type) index alone: a row is read only
-- when another filter needs it. MariaDB takes every column a statement names as read, and naming
-- them all made the index not covering: one session holding 10% of the table was a full scan.
SELECT COUNT(*)
FROM asm_events AS k
WHERE k.session_id IN (SELECT j.v FROM JSON_TABLE(:session_ids, '$[*]'
                       COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j)
  AND (:types IS NULL OR k.type IN (SELECT j.v FROM JSON_TABLE(:types, '$[*]'
                                    COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
  AND ((:run_ids IS NULL AND :providers IS NULL AND :since IS NULL AND :until IS NULL AND :correlation_id IS NULL)
       OR EXISTS (SELECT 1 FROM asm_events AS e WHERE e.id = k.id
                  AND (:run_ids IS NULL OR e.run_id IN (SELECT j.v FROM JSON_TABLE(:run_ids, '$[*]'
                                                        COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
                  AND (:providers IS NULL
                       OR e.provider IN (SELECT j.v FROM JSON_TABLE(:providers, '$[*]'
                                         COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j))
                  AND (:since IS NULL OR e.timestamp >= :since)
                  AND (:until IS NULL OR e.timestamp <= :until)
                  AND (:correlation_id IS NULL OR e.correlation_id = :correlation_id)));

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
-- since/until bound started_at, inclusive.
SELECT COALESCE(r.provider, 'unknown') AS provider, COUNT(*) AS run_count,
       SUM(r.input_tokens) AS input_tokens,
       SUM(r.output_tokens) AS output_tokens,
       SUM(r.total_tokens) AS total_tokens
FROM asm_runs AS r
WHERE (:session_id IS NULL OR r.session_id = :session_id)
  AND (:agent_id IS NULL
       OR EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id AND s.agent_id = :agent_id))
  AND (:provider IS NULL OR r.provider = :provider)
  AND (:since IS NULL OR r.started_at >= :since)
  AND (:until IS NULL OR r.started_at <= :until)
GROUP BY COALESCE(r.provider, 'unknown');
