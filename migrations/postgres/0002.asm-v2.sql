-- asm schema V2: soft delete, providers, correlation ids, artifact metadata, token totals,
-- query indexes.
-- Online: each statement commits on its own (transactional: false), so no lock is held longer
-- than one statement. The ALTERs take a brief ACCESS EXCLUSIVE lock (adding a nullable column
-- or one with a constant default rewrites nothing): lock_timeout makes one that would queue
-- behind a long transaction, and hold up every query queued behind it, fail in 5 s instead;
-- run the migration again. Every index is built CONCURRENTLY.
-- Every statement can run again (IF NOT EXISTS), so a run cut short is finished by the next.
-- transactional: false
-- depends: 0001.asm-v1

SET lock_timeout = '5s';

ALTER TABLE asm_sessions ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMPTZ;

ALTER TABLE asm_runs
    ADD COLUMN IF NOT EXISTS provider VARCHAR(255),
    ADD COLUMN IF NOT EXISTS provider_metadata JSONB NOT NULL DEFAULT '{}';

ALTER TABLE asm_events
    ADD COLUMN IF NOT EXISTS provider VARCHAR(255),
    ADD COLUMN IF NOT EXISTS correlation_id VARCHAR(255);

ALTER TABLE asm_session_sequences ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS asm_artifacts (
    id              VARCHAR(255) COLLATE "C" PRIMARY KEY,
    key             VARCHAR(255) COLLATE "C" NOT NULL,
    session_id      VARCHAR(255) COLLATE "C",
    run_id          VARCHAR(255) COLLATE "C",
    type            VARCHAR(255),
    content_type    VARCHAR(255),
    size_bytes      BIGINT        NOT NULL,
    checksum_sha256 VARCHAR(255),
    storage_backend VARCHAR(255),
    storage_ref     VARCHAR(2048),
    metadata        JSONB         NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at      TIMESTAMPTZ
);

-- A run's token count under `field`: a JSON number counts as itself, anything else as 0. The
-- one definition of the rule; a single SELECT, so the planner inlines it and an index on it
-- (asm_runs_total_tokens_idx) serves every query that writes asm_token_count(...).
CREATE OR REPLACE FUNCTION asm_token_count(usage jsonb, field text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN jsonb_typeof(usage -> field) = 'number' THEN CAST(usage ->> field AS numeric) ELSE 0 END
$$;

-- A CONCURRENTLY build that was interrupted leaves an INVALID index, which IF NOT EXISTS would
-- keep: drop such leftovers of this migration first (a catalog change, under lock_timeout).
DO $$
DECLARE
    leftover regclass;
BEGIN
    FOR leftover IN
        SELECT i.indexrelid::regclass
        FROM pg_index AS i
        JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE NOT i.indisvalid
          AND c.relnamespace = (SELECT n.oid FROM pg_namespace AS n WHERE n.nspname = current_schema())
          AND c.relname IN ('asm_artifacts_key_idx', 'asm_artifacts_session_idx',
                            'asm_sessions_created_at_idx', 'asm_sessions_updated_at_idx',
                            'asm_sessions_deleted_at_idx', 'asm_runs_started_at_idx',
                            'asm_runs_provider_idx', 'asm_runs_total_tokens_idx',
                            'asm_events_timestamp_idx', 'asm_events_correlation_idx',
                            'asm_events_session_timestamp_idx')
    LOOP
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END
$$;

-- CONCURRENTLY blocks no reads or writes (its lock conflicts only with DDL and VACUUM), but it
-- waits for every transaction older than its snapshots, anywhere in the database. A
-- lock_timeout would turn that harmless wait into a failure after the whole build, and a
-- statement_timeout would cut a long build short: neither applies to the builds.
SET lock_timeout = 0;
SET statement_timeout = 0;

-- asm_artifacts is new, but each statement commits: a build there is CONCURRENTLY too.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS asm_artifacts_key_idx ON asm_artifacts (key);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_artifacts_session_idx ON asm_artifacts (session_id, created_at, id);

-- Keyset orders and retention scans of the query and maintenance APIs.
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_created_at_idx ON asm_sessions (created_at, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_updated_at_idx ON asm_sessions (updated_at, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_deleted_at_idx ON asm_sessions (deleted_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_runs_started_at_idx ON asm_runs (started_at, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_runs_provider_idx ON asm_runs (provider, started_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_runs_total_tokens_idx
    ON asm_runs (asm_token_count(token_usage, 'total_tokens'), id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_timestamp_idx ON asm_events (timestamp, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_correlation_idx ON asm_events (correlation_id);
-- Per-session, timestamp-ordered reads and per-session top-N. (No index on asm_events.provider:
-- a handful of distinct values, never chosen by a planner; a provider filter is a residual
-- filter on a session or time range.)
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_events_session_timestamp_idx ON asm_events (session_id, timestamp, id);

RESET statement_timeout;
RESET lock_timeout;
