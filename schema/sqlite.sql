-- The whole asm schema on SQLite, as migrations/sqlite builds it (0001-0007), in one file to
-- read. Not a migration: tests/test_schema_snapshot.py checks that a database built from this
-- file and one built from the migrations have the same catalog. Columns are in the order the
-- migrations leave them (those of V2 come last).
-- Timestamps are fixed-width UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ) so text order is time order;
-- JSON is text.

-- Sessions, runs, the append-only event log and its per-session counters (V1, 0001; V2, 0002).

CREATE TABLE asm_sessions (
    id                TEXT    PRIMARY KEY NOT NULL,
    agent_id          TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending',
    parent_session_id TEXT,
    metadata          TEXT    NOT NULL DEFAULT '{}',
    context           TEXT    NOT NULL DEFAULT '{}',
    tags              TEXT    NOT NULL DEFAULT '[]',
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    deleted_at        TEXT
);

CREATE INDEX asm_sessions_status_idx ON asm_sessions (status);
CREATE INDEX asm_sessions_agent_created_idx ON asm_sessions (agent_id, created_at, id);  -- 0005
CREATE INDEX asm_sessions_agent_updated_idx ON asm_sessions (agent_id, updated_at, id);  -- 0005
CREATE INDEX asm_sessions_created_at_idx ON asm_sessions (created_at, id);
CREATE INDEX asm_sessions_updated_at_idx ON asm_sessions (updated_at, id);
CREATE INDEX asm_sessions_deleted_at_idx ON asm_sessions (deleted_at);

-- input_tokens, output_tokens, total_tokens: a run's token counts, one definition of the rule
-- (a JSON number counts as itself, anything else as 0); VIRTUAL, computed when read.
CREATE TABLE asm_runs (
    id                TEXT    PRIMARY KEY NOT NULL,
    session_id        TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending',
    input             TEXT,
    output            TEXT,
    error             TEXT,
    metadata          TEXT    NOT NULL DEFAULT '{}',
    turn_count        INTEGER NOT NULL DEFAULT 0,
    token_usage       TEXT    NOT NULL DEFAULT '{}',
    started_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    ended_at          TEXT,
    provider          TEXT,
    provider_metadata TEXT    NOT NULL DEFAULT '{}',
    input_tokens      GENERATED ALWAYS AS
        (CASE WHEN json_type(token_usage, '$.input_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.input_tokens') ELSE 0 END) VIRTUAL,
    output_tokens     GENERATED ALWAYS AS
        (CASE WHEN json_type(token_usage, '$.output_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.output_tokens') ELSE 0 END) VIRTUAL,
    total_tokens      GENERATED ALWAYS AS
        (CASE WHEN json_type(token_usage, '$.total_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.total_tokens') ELSE 0 END) VIRTUAL
);

CREATE INDEX asm_runs_session_id_started_at_idx ON asm_runs (session_id, started_at, id);
CREATE INDEX asm_runs_status_idx ON asm_runs (status);
CREATE INDEX asm_runs_started_at_idx ON asm_runs (started_at, id);
CREATE INDEX asm_runs_provider_idx ON asm_runs (provider, started_at);
CREATE INDEX asm_runs_total_tokens_idx ON asm_runs (total_tokens, id);

CREATE TABLE asm_events (
    id              TEXT    PRIMARY KEY NOT NULL,
    type            TEXT    NOT NULL,
    timestamp       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    session_id      TEXT    NOT NULL,
    run_id          TEXT,
    sequence_number INTEGER NOT NULL,
    data            TEXT    NOT NULL DEFAULT '{}',
    metadata        TEXT    NOT NULL DEFAULT '{}',
    schema_version  INTEGER NOT NULL DEFAULT 1,
    provider        TEXT,
    correlation_id  TEXT
);

CREATE UNIQUE INDEX asm_events_session_sequence_idx ON asm_events (session_id, sequence_number);
CREATE INDEX asm_events_session_type_idx ON asm_events (session_id, type);
CREATE INDEX asm_events_session_run_sequence_idx ON asm_events (session_id, run_id, sequence_number);  -- 0005
CREATE INDEX asm_events_session_timestamp_idx ON asm_events (session_id, timestamp, id);
CREATE INDEX asm_events_timestamp_idx ON asm_events (timestamp, id);
CREATE INDEX asm_events_correlation_idx ON asm_events (correlation_id);

-- updated_at has no default: SQLite cannot add a column with a non-constant one; asm sets it.
CREATE TABLE asm_session_sequences (
    session_id    TEXT    PRIMARY KEY NOT NULL,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT
);

-- The artifact registry (V2, 0002).

CREATE TABLE asm_artifacts (
    id              TEXT    PRIMARY KEY NOT NULL,
    key             TEXT    NOT NULL,
    session_id      TEXT,
    run_id          TEXT,
    type            TEXT,
    content_type    TEXT,
    size_bytes      INTEGER NOT NULL,
    checksum_sha256 TEXT,
    storage_backend TEXT,
    storage_ref     TEXT,
    metadata        TEXT    NOT NULL DEFAULT '{}',
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    deleted_at      TEXT
);

CREATE UNIQUE INDEX asm_artifacts_key_idx ON asm_artifacts (key);
CREATE INDEX asm_artifacts_session_idx ON asm_artifacts (session_id, created_at, id);

-- Graph-workflow sessions: the graph library's table in SQLite terms, plus the list indexes
-- (0003).

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    graph_id TEXT NOT NULL,
    current_task_id TEXT NOT NULL,
    status_message TEXT,
    context TEXT NOT NULL,
    created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    updated_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z')
);

CREATE INDEX sessions_graph_id_idx ON sessions (graph_id, created_at, id);
CREATE INDEX sessions_created_at_idx ON sessions (created_at, id);

-- No append notifications on SQLite (0004 is empty): long polls re-read with a short backoff.

-- LangGraph checkpoints (0006): asm.integrations.langgraph's savers.

CREATE TABLE asm_langgraph_checkpoints (
    thread_id            TEXT NOT NULL,
    checkpoint_ns        TEXT NOT NULL DEFAULT '',
    checkpoint_id        TEXT NOT NULL,
    parent_checkpoint_id TEXT,
    run_id               TEXT,
    type                 TEXT NOT NULL,
    checkpoint           BLOB NOT NULL,
    metadata             TEXT NOT NULL DEFAULT '{}',
    created_at           TEXT NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);

CREATE INDEX asm_langgraph_checkpoints_run_idx ON asm_langgraph_checkpoints (run_id);
CREATE INDEX asm_langgraph_checkpoints_created_idx ON asm_langgraph_checkpoints (created_at, thread_id);

CREATE TABLE asm_langgraph_blobs (
    thread_id     TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    channel       TEXT NOT NULL,
    version       TEXT NOT NULL,
    type          TEXT NOT NULL,
    payload       BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);

CREATE TABLE asm_langgraph_writes (
    thread_id     TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    checkpoint_id TEXT NOT NULL,
    task_id       TEXT NOT NULL,
    idx           INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    type          TEXT NOT NULL,
    payload       BLOB NOT NULL,
    task_path     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);
