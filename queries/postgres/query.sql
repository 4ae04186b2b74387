-- name: search_sessions_updated_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), most recently updated first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (CAST(:agent_id AS text) IS NULL OR s.agent_id = :agent_id)
  AND (CAST(:statuses AS text[]) IS NULL OR s.status = ANY(CAST(:statuses AS text[])))
  -- OFFSET 0: probe the page's sessions' runs one by one; without it PostgreSQL hashes every
  -- run of the provider first (a scan of asm_runs for a common provider).
  AND (CAST(:provider AS text) IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider OFFSET 0))
  AND (CAST(:tags AS jsonb) IS NULL OR s.tags @> CAST(:tags AS jsonb))
  AND (CAST(:created_after AS timestamptz) IS NULL OR s.created_at >= :created_after)
  AND (CAST(:created_before AS timestamptz) IS NULL OR s.created_at <= :created_before)
  AND (CAST(:include_deleted AS bigint) = 1 OR s.deleted_at IS NULL)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (s.updated_at, s.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY s.updated_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_desc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), newest first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (CAST(:agent_id AS text) IS NULL OR s.agent_id = :agent_id)
  AND (CAST(:statuses AS text[]) IS NULL OR s.status = ANY(CAST(:statuses AS text[])))
  -- OFFSET 0: probe the page's sessions' runs one by one; without it PostgreSQL hashes every
  -- run of the provider first (a scan of asm_runs for a common provider).
  AND (CAST(:provider AS text) IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider OFFSET 0))
  AND (CAST(:tags AS jsonb) IS NULL OR s.tags @> CAST(:tags AS jsonb))
  AND (CAST(:created_after AS timestamptz) IS NULL OR s.created_at >= :created_after)
  AND (CAST(:created_before AS timestamptz) IS NULL OR s.created_at <= :created_before)
  AND (CAST(:include_deleted AS bigint) = 1 OR s.deleted_at IS NULL)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (s.created_at, s.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY s.created_at DESC, s.id DESC
LIMIT :limit;

-- name: search_sessions_created_asc(agent_id, statuses, provider, tags, created_after, created_before, include_deleted, after_at, after_id, limit)
-- One keyset page of sessions matching the filters (NULL = any), oldest first.
SELECT s.id, s.agent_id, s.status, s.parent_session_id, s.metadata, s.context, s.tags,
       s.created_at, s.updated_at, s.deleted_at
FROM asm_sessions AS s
WHERE (CAST(:agent_id AS text) IS NULL OR s.agent_id = :agent_id)
  AND (CAST(:statuses AS text[]) IS NULL OR s.status = ANY(CAST(:statuses AS text[])))
  -- OFFSET 0: probe the page's sessions' runs one by one; without it PostgreSQL hashes every
  -- run of the provider first (a scan of asm_runs for a common provider).
  AND (CAST(:provider AS text) IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider OFFSET 0))
  AND (CAST(:tags AS jsonb) IS NULL OR s.tags @> CAST(:tags AS jsonb))
  AND (CAST(:created_after AS timestamptz) IS NULL OR s.created_at >= :created_after)
  AND (CAST(:created_before AS timestamptz) IS NULL OR s.created_at <= :created_before)
  AND (CAST(:include_deleted AS bigint) = 1 OR s.deleted_at IS NULL)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (s.created_at, s.id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY s.created_at, s.id
LIMIT :limit;

-- name: count_sessions(agent_id, statuses, provider, tags, created_after, created_before, include_deleted)$
-- How many sessions match the filters of search_sessions (ignoring pages).
SELECT COUNT(*)
FROM asm_sessions AS s
WHERE (CAST(:agent_id AS text) IS NULL OR s.agent_id = :agent_id)
  AND (CAST(:statuses AS text[]) IS NULL OR s.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:provider AS text) IS NULL
       OR EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = s.id AND r.provider = :provider))
  AND (CAST(:tags AS jsonb) IS NULL OR s.tags @> CAST(:tags AS jsonb))
  AND (CAST(:created_after AS timestamptz) IS NULL OR s.created_at >= :created_after)
  AND (CAST(:created_before AS timestamptz) IS NULL OR s.created_at <= :created_before)
  AND (CAST(:include_deleted AS bigint) = 1 OR s.deleted_at IS NULL);

-- name: search_runs_started_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most recently started first.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata
FROM asm_runs AS r
WHERE (CAST(:session_id AS text) IS NULL OR r.session_id = :session_id)
  AND (CAST(:provider AS text) IS NULL OR r.provider = :provider)
  AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:started_after AS timestamptz) IS NULL OR r.started_at >= :started_after)
  AND (CAST(:started_before AS timestamptz) IS NULL OR r.started_at <= :started_before)
  AND (CAST(:min_tokens AS numeric) IS NULL OR asm_token_count(r.token_usage, 'total_tokens') >= :min_tokens)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (r.started_at, r.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY r.started_at DESC, r.id DESC
LIMIT :limit;

-- name: search_runs_started_asc(session_id, provider, statuses, started_after, started_before, min_tokens, after_at, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), oldest first.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata
FROM asm_runs AS r
WHERE (CAST(:session_id AS text) IS NULL OR r.session_id = :session_id)
  AND (CAST(:provider AS text) IS NULL OR r.provider = :provider)
  AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:started_after AS timestamptz) IS NULL OR r.started_at >= :started_after)
  AND (CAST(:started_before AS timestamptz) IS NULL OR r.started_at <= :started_before)
  AND (CAST(:min_tokens AS numeric) IS NULL OR asm_token_count(r.token_usage, 'total_tokens') >= :min_tokens)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (r.started_at, r.id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY r.started_at, r.id
LIMIT :limit;

-- name: search_runs_tokens_desc(session_id, provider, statuses, started_after, started_before, min_tokens, after_tokens, after_id, limit)
-- One keyset page of runs matching the filters (NULL = any), most total tokens first
-- (a missing or non-numeric total counts as 0), read from asm_runs_total_tokens_idx.
SELECT r.id, r.session_id, r.status, r.input, r.output, r.error, r.metadata, r.turn_count,
       r.token_usage, r.started_at, r.ended_at, r.provider, r.provider_metadata,
       asm_token_count(r.token_usage, 'total_tokens') AS sort_tokens
FROM asm_runs AS r
WHERE (CAST(:session_id AS text) IS NULL OR r.session_id = :session_id)
  AND (CAST(:provider AS text) IS NULL OR r.provider = :provider)
  AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:started_after AS timestamptz) IS NULL OR r.started_at >= :started_after)
  AND (CAST(:started_before AS timestamptz) IS NULL OR r.started_at <= :started_before)
  AND (CAST(:min_tokens AS numeric) IS NULL OR asm_token_count(r.token_usage, 'total_tokens') >= :min_tokens)
  AND (CAST(:after_tokens AS numeric) IS NULL
       -- via text: float8 -> numeric keeps 15 digits, so a cursor at 1.7976931348623157e308
       -- would sort above its own row
       OR (asm_token_count(r.token_usage, 'total_tokens'), r.id)
          < (CAST(CAST(:after_tokens AS text) AS numeric), CAST(:after_id AS text)))
ORDER BY sort_tokens DESC, r.id DESC
LIMIT :limit;

-- name: search_events_sequence_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_session_id, after_sequence, limit)
-- One keyset page of events matching the filters (NULL = any), session by session in sequence
-- order (the order of the unique (session_id, sequence_number) index). With sessions listed, asm
-- runs search_session_events_sequence_asc.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (CAST(:session_ids AS text[]) IS NULL OR e.session_id = ANY(CAST(:session_ids AS text[])))
  AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
  AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
  AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
  AND (CAST(:after_session_id AS text) IS NULL
       OR (e.session_id, e.sequence_number) > (CAST(:after_session_id AS text), CAST(:after_sequence AS bigint)))
ORDER BY e.session_id, e.sequence_number
LIMIT :limit;

-- name: search_events_timestamp_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), oldest first (with sessions
-- listed, asm runs search_session_events_timestamp_asc).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (CAST(:session_ids AS text[]) IS NULL OR e.session_id = ANY(CAST(:session_ids AS text[])))
  AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
  AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
  AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (e.timestamp, e.id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_events_timestamp_desc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- One keyset page of events matching the filters (NULL = any), newest first (with sessions
-- listed, asm runs search_session_events_timestamp_desc).
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM asm_events AS e
WHERE (CAST(:session_ids AS text[]) IS NULL OR e.session_id = ANY(CAST(:session_ids AS text[])))
  AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
  AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
  AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (e.timestamp, e.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: search_session_events_sequence_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_session_id, after_sequence, limit)
-- search_events_sequence_asc for a list of sessions: each listed session (from the cursor's on, in
-- id order, bytewise like the ids: the listed values come in the database's collation) is an
-- index range of at most `limit` rows (sequence numbers start at 1: only the cursor's session
-- starts past one), and the incremental sort stops at the page.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT s.id COLLATE "C" AS id FROM UNNEST(CAST(:session_ids AS text[])) AS s(id)
      WHERE CAST(:after_session_id AS text) IS NULL OR s.id COLLATE "C" >= CAST(:after_session_id AS text)) AS s
CROSS JOIN LATERAL (
    SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
           e.schema_version, e.provider, e.correlation_id
    FROM asm_events AS e
    WHERE e.session_id = s.id
      AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
      AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
      AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
      AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
      AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
      AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
      AND e.sequence_number > CASE WHEN s.id = CAST(:after_session_id AS text)
                                   THEN CAST(:after_sequence AS bigint) ELSE 0 END
    ORDER BY e.sequence_number
    LIMIT :limit) AS e
ORDER BY s.id, e.sequence_number
LIMIT :limit;

-- name: search_session_events_timestamp_asc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_asc for a list of sessions: the first `limit` rows of each listed session
-- (asm_events_session_timestamp_idx), merged; the global timestamp index would be walked past
-- every other session's events.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT s.id COLLATE "C" AS id FROM UNNEST(CAST(:session_ids AS text[])) AS s(id)) AS s
CROSS JOIN LATERAL (
    SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
           e.schema_version, e.provider, e.correlation_id
    FROM asm_events AS e
    WHERE e.session_id = s.id
      AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
      AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
      AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
      AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
      AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
      AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
      AND (CAST(:after_at AS timestamptz) IS NULL
           OR (e.timestamp, e.id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
    ORDER BY e.timestamp, e.id
    LIMIT :limit) AS e
ORDER BY e.timestamp, e.id
LIMIT :limit;

-- name: search_session_events_timestamp_desc(session_ids, run_ids, types, providers, since, until, correlation_id, after_at, after_id, limit)
-- search_events_timestamp_desc for a list of sessions: the last `limit` rows of each listed session
-- (asm_events_session_timestamp_idx, backwards), merged.
SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
       e.schema_version, e.provider, e.correlation_id
FROM (SELECT DISTINCT s.id COLLATE "C" AS id FROM UNNEST(CAST(:session_ids AS text[])) AS s(id)) AS s
CROSS JOIN LATERAL (
    SELECT e.id, e.type, e.timestamp, e.session_id, e.run_id, e.sequence_number, e.data, e.metadata,
           e.schema_version, e.provider, e.correlation_id
    FROM asm_events AS e
    WHERE e.session_id = s.id
      AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
      AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
      AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
      AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
      AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
      AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id)
      AND (CAST(:after_at AS timestamptz) IS NULL
           OR (e.timestamp, e.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS text)))
    ORDER BY e.timestamp DESC, e.id DESC
    LIMIT :limit) AS e
ORDER BY e.timestamp DESC, e.id DESC
LIMIT :limit;

-- name: count_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- How many events match the filters of search_events (with sessions listed, asm runs
-- count_session_events).
SELECT COUNT(*)
FROM asm_events AS e
WHERE (CAST(:session_ids AS text[]) IS NULL OR e.session_id = ANY(CAST(:session_ids AS text[])))
  AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
  AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
  AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id);

-- name: count_session_events(session_ids, run_ids, types, providers, since, until, correlation_id)$
-- count_events for a list of sessions: the sessions' index ranges only.
SELECT COUNT(*)
FROM asm_events AS e
WHERE e.session_id = ANY(CAST(:session_ids AS text[]))
  AND (CAST(:run_ids AS text[]) IS NULL OR e.run_id = ANY(CAST(:run_ids AS text[])))
  AND (CAST(:types AS text[]) IS NULL OR e.type = ANY(CAST(:types AS text[])))
  AND (CAST(:providers AS text[]) IS NULL OR e.provider = ANY(CAST(:providers AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR e.timestamp >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR e.timestamp <= :until)
  AND (CAST(:correlation_id AS text) IS NULL OR e.correlation_id = :correlation_id);

-- name: session_event_stats(session_id)^
-- How many events a session has, and the first and last event times.
SELECT COUNT(*) AS event_count, MIN(e.timestamp) AS first_event_at, MAX(e.timestamp) AS last_event_at
FROM asm_events AS e
WHERE e.session_id = :session_id;

-- name: session_run_groups(session_id)
-- A session's runs grouped by status and provider, with their token sums.
SELECT r.status, r.provider, COUNT(*) AS run_count,
       SUM(asm_token_count(r.token_usage, 'input_tokens')) AS input_tokens,
       SUM(asm_token_count(r.token_usage, 'output_tokens')) AS output_tokens,
       SUM(asm_token_count(r.token_usage, 'total_tokens')) AS total_tokens
FROM asm_runs AS r
WHERE r.session_id = :session_id
GROUP BY r.status, r.provider;

-- name: usage_by_provider(session_id, agent_id, provider, since, until)
-- Token usage of the matching runs per provider (runs without one count as "unknown");
-- since/until bound started_at, inclusive.
SELECT COALESCE(r.provider, 'unknown') AS provider, COUNT(*) AS run_count,
       SUM(asm_token_count(r.token_usage, 'input_tokens')) AS input_tokens,
       SUM(asm_token_count(r.token_usage, 'output_tokens')) AS output_tokens,
       SUM(asm_token_count(r.token_usage, 'total_tokens')) AS total_tokens
FROM asm_runs AS r
WHERE (CAST(:session_id AS text) IS NULL OR r.session_id = :session_id)
  AND (CAST(:agent_id AS text) IS NULL
       OR EXISTS (SELECT 1 FROM asm_sessions AS s WHERE s.id = r.session_id AND s.agent_id = :agent_id))
  AND (CAST(:provider AS text) IS NULL OR r.provider = :provider)
  AND (CAST(:since AS timestamptz) IS NULL OR r.started_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR r.started_at <= :until)
GROUP BY COALESCE(r.provider, 'unknown');
