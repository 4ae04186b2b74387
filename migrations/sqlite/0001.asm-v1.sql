-- asm schema V1: sessions, runs, the append-only event log and its per-session counters.
-- Timestamps are fixed-width UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ) so text order is time order.

CREATE TABLE asm_sessions (
    id                TEXT    PRIMARY KEY NOT NULL,
    agent_id          TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending',
    parent_session_id TEXT,
    metadata          TEXT    NOT NULL DEFAULT '{}',
    context           TEXT    NOT NULL DEFAULT '{}',
    tags              TEXT    NOT NULL DEFAULT '[]',
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z')
);

CREATE INDEX asm_sessions_status_idx ON asm_sessions (status);
CREATE INDEX asm_sessions_agent_id_idx ON asm_sessions (agent_id);

CREATE TABLE asm_runs (
    id          TEXT    PRIMARY KEY NOT NULL,
    session_id  TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending',
    input       TEXT,
    output      TEXT,
    error       TEXT,
    metadata    TEXT    NOT NULL DEFAULT '{}',
    turn_count  INTEGER NOT NULL DEFAULT 0,
    token_usage TEXT    NOT NULL DEFAULT '{}',
    started_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    ended_at    TEXT
);

CREATE INDEX asm_runs_session_id_started_at_idx ON asm_runs (session_id, started_at, id);
CREATE INDEX asm_runs_status_idx ON asm_runs (status);

CREATE TABLE asm_events (
    id              TEXT    PRIMARY KEY NOT NULL,
    type            TEXT    NOT NULL,
    timestamp       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    session_id      TEXT    NOT NULL,
    run_id          TEXT,
    sequence_number INTEGER NOT NULL,
    data            TEXT    NOT NULL DEFAULT '{}',
    metadata        TEXT    NOT NULL DEFAULT '{}',
    schema_version  INTEGER NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX asm_events_session_sequence_idx ON asm_events (session_id, sequence_number);
CREATE INDEX asm_events_session_type_idx ON asm_events (session_id, type);
CREATE INDEX asm_events_session_run_idx ON asm_events (session_id, run_id);

CREATE TABLE asm_session_sequences (
    session_id    TEXT    PRIMARY KEY NOT NULL,
    last_sequence INTEGER NOT NULL DEFAULT 0
);
