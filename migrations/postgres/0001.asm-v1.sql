-- asm schema V1: sessions, runs, the append-only event log and its per-session counters.
-- Identifiers (agent_id too) use COLLATE "C" so they compare and sort bytewise, as on SQLite and
-- MySQL.
-- Every DDL migration sets a lock_timeout (SET LOCAL: until its transaction ends): a statement
-- that would queue for a lock behind a long transaction, and hold up every query queued behind
-- it, fails in 5 s instead; run the migration again. Indexes of new tables are built plainly.

SET LOCAL lock_timeout = '5s';

CREATE TABLE asm_sessions (
    id                VARCHAR(255) COLLATE "C" PRIMARY KEY,
    agent_id          VARCHAR(255) COLLATE "C" NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    parent_session_id VARCHAR(255) COLLATE "C",
    metadata          JSONB        NOT NULL DEFAULT '{}',
    context           JSONB        NOT NULL DEFAULT '{}',
    tags              JSONB        NOT NULL DEFAULT '[]',
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX asm_sessions_status_idx ON asm_sessions (status);
CREATE INDEX asm_sessions_agent_id_idx ON asm_sessions (agent_id);

CREATE TABLE asm_runs (
    id          VARCHAR(255) COLLATE "C" PRIMARY KEY,
    session_id  VARCHAR(255) COLLATE "C" NOT NULL,
    status      VARCHAR(32)  NOT NULL DEFAULT 'pending',
    input       JSONB,
    output      JSONB,
    error       JSONB,
    metadata    JSONB        NOT NULL DEFAULT '{}',
    turn_count  INTEGER      NOT NULL DEFAULT 0,
    token_usage JSONB        NOT NULL DEFAULT '{}',
    started_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    ended_at    TIMESTAMPTZ
);

CREATE INDEX asm_runs_session_id_started_at_idx ON asm_runs (session_id, started_at, id);
CREATE INDEX asm_runs_status_idx ON asm_runs (status);

CREATE TABLE asm_events (
    id              VARCHAR(255) COLLATE "C" PRIMARY KEY,
    type            VARCHAR(64)  NOT NULL,
    timestamp       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    session_id      VARCHAR(255) COLLATE "C" NOT NULL,
    run_id          VARCHAR(255) COLLATE "C",
    sequence_number BIGINT       NOT NULL,
    data            JSONB        NOT NULL DEFAULT '{}',
    metadata        JSONB        NOT NULL DEFAULT '{}',
    schema_version  INTEGER      NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX asm_events_session_sequence_idx ON asm_events (session_id, sequence_number);
CREATE INDEX asm_events_session_type_idx ON asm_events (session_id, type);
CREATE INDEX asm_events_session_run_idx ON asm_events (session_id, run_id);

CREATE TABLE asm_session_sequences (
    session_id    VARCHAR(255) COLLATE "C" PRIMARY KEY,
    last_sequence BIGINT       NOT NULL DEFAULT 0
);
