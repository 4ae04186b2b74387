-- The whole asm schema on PostgreSQL, as migrations/postgres builds it (0001-0007), in one
-- file to read. Not a migration: tests/test_schema_snapshot.py checks that a database built
-- from this file and one built from the migrations have the same catalog. Columns are in the
-- order the migrations leave them (those of V2 come last).
-- Identifiers use COLLATE "C": they compare and sort bytewise, as on SQLite and MySQL.

-- Sessions, runs, the append-only event log and its per-session counters (V1, 0001; V2, 0002).

CREATE TABLE asm_sessions (
    id                VARCHAR(255) COLLATE "C" PRIMARY KEY,
    agent_id          VARCHAR(255) COLLATE "C" NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    parent_session_id VARCHAR(255) COLLATE "C",
    metadata          JSONB        NOT NULL DEFAULT '{}',
    context           JSONB        NOT NULL DEFAULT '{}',
    tags              JSONB        NOT NULL DEFAULT '[]',
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    deleted_at        TIMESTAMPTZ
);

CREATE INDEX asm_sessions_status_idx ON asm_sessions (status);
CREATE INDEX asm_sessions_agent_created_idx ON asm_sessions (agent_id, created_at, id);  -- 0005
CREATE INDEX asm_sessions_agent_updated_idx ON asm_sessions (agent_id, updated_at, id);  -- 0005
CREATE INDEX asm_sessions_created_at_idx ON asm_sessions (created_at, id);
CREATE INDEX asm_sessions_updated_at_idx ON asm_sessions (updated_at, id);
CREATE INDEX asm_sessions_deleted_at_idx ON asm_sessions (deleted_at);

CREATE TABLE asm_runs (
    id                VARCHAR(255) COLLATE "C" PRIMARY KEY,
    session_id        VARCHAR(255) COLLATE "C" NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    input             JSONB,
    output            JSONB,
    error             JSONB,
    metadata          JSONB        NOT NULL DEFAULT '{}',
    turn_count        INTEGER      NOT NULL DEFAULT 0,
    token_usage       JSONB        NOT NULL DEFAULT '{}',
    started_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    ended_at          TIMESTAMPTZ,
    provider          VARCHAR(255),
    provider_metadata JSONB        NOT NULL DEFAULT '{}'
);

-- A run's token count under `field`: a JSON number counts as itself, anything else as 0.
-- Inlined by the planner, so asm_runs_total_tokens_idx serves the queries that call it.
CREATE FUNCTION asm_token_count(usage jsonb, field text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN jsonb_typeof(usage -> field) = 'number' THEN CAST(usage ->> field AS numeric) ELSE 0 END
$$;

CREATE INDEX asm_runs_session_id_started_at_idx ON asm_runs (session_id, started_at, id);
CREATE INDEX asm_runs_status_idx ON asm_runs (status);
CREATE INDEX asm_runs_started_at_idx ON asm_runs (started_at, id);
CREATE INDEX asm_runs_provider_idx ON asm_runs (provider, started_at);
CREATE INDEX asm_runs_total_tokens_idx ON asm_runs (asm_token_count(token_usage, 'total_tokens'), id);

CREATE TABLE asm_events (
    id              VARCHAR(255) COLLATE "C" PRIMARY KEY,
    type            VARCHAR(64)  NOT NULL,
    timestamp       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    session_id      VARCHAR(255) COLLATE "C" NOT NULL,
    run_id          VARCHAR(255) COLLATE "C",
    sequence_number BIGINT       NOT NULL,
    data            JSONB        NOT NULL DEFAULT '{}',
    metadata        JSONB        NOT NULL DEFAULT '{}',
    schema_version  INTEGER      NOT NULL DEFAULT 1,
    provider        VARCHAR(255),
    correlation_id  VARCHAR(255)
);

CREATE UNIQUE INDEX asm_events_session_sequence_idx ON asm_events (session_id, sequence_number);
CREATE INDEX asm_events_session_type_idx ON asm_events (session_id, type);
CREATE INDEX asm_events_session_run_sequence_idx ON asm_events (session_id, run_id, sequence_number);  -- 0005
CREATE INDEX asm_events_session_timestamp_idx ON asm_events (session_id, timestamp, id);
CREATE INDEX asm_events_timestamp_idx ON asm_events (timestamp, id);
CREATE INDEX asm_events_correlation_idx ON asm_events (correlation_id);

CREATE TABLE asm_session_sequences (
    session_id    VARCHAR(255) COLLATE "C" PRIMARY KEY,
    last_sequence BIGINT       NOT NULL DEFAULT 0,
    updated_at    TIMESTAMPTZ,
    notify_until  TIMESTAMPTZ  -- until when appends NOTIFY long polls (0008)
);

-- The artifact registry (V2, 0002).

CREATE TABLE asm_artifacts (
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

CREATE UNIQUE INDEX asm_artifacts_key_idx ON asm_artifacts (key);
CREATE INDEX asm_artifacts_session_idx ON asm_artifacts (session_id, created_at, id);

-- Graph-workflow sessions, as the graph library's PostgresSessionStorage creates the table,
-- plus the list indexes (0003).

CREATE TABLE sessions (
    id UUID PRIMARY KEY,
    graph_id TEXT NOT NULL,
    current_task_id TEXT NOT NULL,
    status_message TEXT,
    context JSONB NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX sessions_graph_id_idx ON sessions (graph_id, created_at, id);
CREATE INDEX sessions_created_at_idx ON sessions (created_at, id);

-- Long-poll wake-ups: NOTIFY asm_events with the session id, once per session per appending
-- statement, sent at COMMIT (0004), only for a session a long poll marked (notify_until) or a
-- session's first event (0008): a NOTIFY serializes the commits of all who send one.

CREATE FUNCTION asm_notify_appended_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('asm_events', appended.session_id)
    FROM (SELECT session_id, MIN(sequence_number) AS first_number
          FROM appended_events
          GROUP BY session_id) AS appended
    WHERE appended.first_number = 1
       OR (SELECT q.notify_until FROM asm_session_sequences AS q
           WHERE q.session_id = appended.session_id) > now();
    RETURN NULL;
END;
$$;

CREATE TRIGGER asm_events_notify
    AFTER INSERT ON asm_events
    REFERENCING NEW TABLE AS appended_events
    FOR EACH STATEMENT
    EXECUTE FUNCTION asm_notify_appended_events();

-- LangGraph checkpoints (0006): asm.integrations.langgraph's savers.

CREATE TABLE asm_langgraph_checkpoints (
    thread_id            VARCHAR(255) COLLATE "C" NOT NULL,
    checkpoint_ns        VARCHAR(255) COLLATE "C" NOT NULL DEFAULT '',
    checkpoint_id        VARCHAR(128) COLLATE "C" NOT NULL,
    parent_checkpoint_id VARCHAR(128) COLLATE "C",
    run_id               VARCHAR(255) COLLATE "C",
    type                 VARCHAR(64)  NOT NULL,
    checkpoint           BYTEA        NOT NULL,
    metadata             JSONB        NOT NULL DEFAULT '{}',
    created_at           TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE INDEX asm_langgraph_checkpoints_run_idx ON asm_langgraph_checkpoints (run_id);
CREATE INDEX asm_langgraph_checkpoints_created_idx ON asm_langgraph_checkpoints (created_at, thread_id);

CREATE TABLE asm_langgraph_blobs (
    thread_id     VARCHAR(255) COLLATE "C" NOT NULL,
    checkpoint_ns VARCHAR(255) COLLATE "C" NOT NULL DEFAULT '',
    channel       VARCHAR(191) COLLATE "C" NOT NULL,
    version       VARCHAR(64)  COLLATE "C" NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       BYTEA,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);

CREATE TABLE asm_langgraph_writes (
    thread_id     VARCHAR(255) COLLATE "C" NOT NULL,
    checkpoint_ns VARCHAR(255) COLLATE "C" NOT NULL DEFAULT '',
    checkpoint_id VARCHAR(128) COLLATE "C" NOT NULL,
    task_id       VARCHAR(128) COLLATE "C" NOT NULL,
    idx           INTEGER      NOT NULL,
    channel       VARCHAR(255) COLLATE "C" NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       BYTEA        NOT NULL,
    task_path     TEXT         NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

-- The hottest writes, as functions whose plans each server connection caches (0007): the
-- statements of queries/postgres append_event, adk_append_event, langgraph_put and
-- langgraph_insert_writes.

CREATE FUNCTION asm_append_event(
    p_id varchar, p_type varchar, p_timestamp timestamptz, p_session_id varchar, p_run_id varchar,
    p_data jsonb, p_metadata jsonb, p_schema_version integer, p_provider varchar,
    p_correlation_id varchar, p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    appended bigint;
BEGIN
    WITH advanced AS (
        INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at)
        SELECT p_session_id, 1, p_now
        WHERE NOT EXISTS (SELECT FROM asm_events WHERE id = p_id)
        ON CONFLICT (session_id) DO UPDATE
            SET last_sequence = q.last_sequence + 1,
                updated_at    = excluded.updated_at
            WHERE q.last_sequence < 9223372036854775807
        RETURNING last_sequence
    )
    INSERT INTO asm_events
        (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
         schema_version, provider, correlation_id)
    SELECT p_id, p_type, p_timestamp, p_session_id, p_run_id, last_sequence,
           p_data, p_metadata, p_schema_version, p_provider, p_correlation_id
    FROM advanced
    RETURNING sequence_number INTO appended;
    RETURN appended;
END;
$$;

CREATE FUNCTION asm_adk_append_event(
    p_id varchar, p_type varchar, p_timestamp timestamptz, p_session_id varchar, p_run_id varchar,
    p_data jsonb, p_metadata jsonb, p_schema_version integer, p_provider varchar,
    p_correlation_id varchar, p_now timestamptz, p_seen bigint, p_state_delta jsonb,
    p_last_update jsonb, p_updated_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    appended bigint;
BEGIN
    WITH advanced AS (
        UPDATE asm_session_sequences AS q
        SET last_sequence = q.last_sequence + 1,
            updated_at    = p_now
        WHERE q.session_id = p_session_id
          AND q.last_sequence = p_seen
          AND EXISTS (SELECT FROM asm_sessions AS s WHERE s.id = p_session_id AND s.deleted_at IS NULL)
        RETURNING q.last_sequence
    ),
    touched AS (
        UPDATE asm_sessions AS s
        SET context    = JSONB_SET(
                             JSONB_SET(s.context, '{state}',
                                       CASE WHEN JSONB_TYPEOF(s.context -> 'state') = 'object'
                                            THEN s.context -> 'state' ELSE '{}' END
                                       || p_state_delta),
                             '{last_update_time}', p_last_update),
            updated_at = p_updated_at
        FROM advanced
        WHERE s.id = p_session_id
        RETURNING s.id
    )
    INSERT INTO asm_events
        (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
         schema_version, provider, correlation_id)
    SELECT p_id, p_type, p_timestamp, p_session_id, p_run_id, advanced.last_sequence,
           p_data, p_metadata, p_schema_version, p_provider, p_correlation_id
    FROM advanced
    RETURNING sequence_number INTO appended;
    RETURN appended;
END;
$$;

CREATE FUNCTION asm_langgraph_put(
    p_thread_id varchar, p_checkpoint_ns varchar, p_checkpoint_id varchar,
    p_parent_checkpoint_id varchar, p_run_id varchar, p_type varchar, p_checkpoint bytea,
    p_metadata jsonb, p_created_at timestamptz, p_channels text[], p_versions text[],
    p_types text[], p_payloads bytea[])
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    WITH stored_blobs AS (
        INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
        SELECT p_thread_id, p_checkpoint_ns, b.channel, b.version, b.type, b.payload
        FROM UNNEST(p_channels, p_versions, p_types, p_payloads) AS b (channel, version, type, payload)
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
    )
    INSERT INTO asm_langgraph_checkpoints AS c
        (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint,
         metadata, created_at)
    VALUES (p_thread_id, p_checkpoint_ns, p_checkpoint_id, p_parent_checkpoint_id, p_run_id, p_type,
            p_checkpoint, p_metadata, p_created_at)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
        parent_checkpoint_id = excluded.parent_checkpoint_id,
        run_id               = excluded.run_id,
        type                 = excluded.type,
        checkpoint           = excluded.checkpoint,
        metadata             = excluded.metadata;
END;
$$;

CREATE FUNCTION asm_langgraph_insert_writes(
    p_thread_id varchar, p_checkpoint_ns varchar, p_checkpoint_id varchar, p_task_id varchar,
    p_task_path text, p_idx integer[], p_channel text[], p_type text[], p_payload bytea[])
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    INSERT INTO asm_langgraph_writes
        (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
    SELECT p_thread_id, p_checkpoint_ns, p_checkpoint_id, p_task_id, p_task_path, w.idx, w.channel,
           w.type, w.payload
    FROM UNNEST(p_idx, p_channel, p_type, p_payload) AS w (idx, channel, type, payload)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING;
END;
$$;
