-- asm schema V1: sessions, runs, the append-only event log and its per-session counters.
-- Timestamps are DATETIME(6) in UTC. utf8mb4_bin makes ids compare and sort as on the other
-- dialects (case-sensitive, bytewise).
-- IF NOT EXISTS: MySQL commits each DDL statement on its own, so a run killed midway leaves
-- some tables made; running the migration again must finish the job (a table that exists is
-- taken as made by that earlier run).
-- lock_wait_timeout: a statement that would wait for a metadata lock behind a long transaction,
-- and hold up every query queued behind it, fails in 5 s instead (the server's default is a
-- year); run the migration again.

SET SESSION lock_wait_timeout = 5;

CREATE TABLE IF NOT EXISTS asm_sessions (
    id                VARCHAR(255) NOT NULL PRIMARY KEY,
    agent_id          VARCHAR(255) NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    parent_session_id VARCHAR(255),
    metadata          JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    context           JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    tags              JSON         NOT NULL DEFAULT (JSON_ARRAY()),
    created_at        DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    updated_at        DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    INDEX asm_sessions_status_idx (status),
    INDEX asm_sessions_agent_id_idx (agent_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS asm_runs (
    id          VARCHAR(255) NOT NULL PRIMARY KEY,
    session_id  VARCHAR(255) NOT NULL,
    status      VARCHAR(32)  NOT NULL DEFAULT 'pending',
    input       JSON,
    output      JSON,
    error       JSON,
    metadata    JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    turn_count  INTEGER      NOT NULL DEFAULT 0,
    token_usage JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    started_at  DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    ended_at    DATETIME(6),
    INDEX asm_runs_session_id_started_at_idx (session_id, started_at, id),
    INDEX asm_runs_status_idx (status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS asm_events (
    id              VARCHAR(255) NOT NULL PRIMARY KEY,
    type            VARCHAR(64)  NOT NULL,
    timestamp       DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    session_id      VARCHAR(255) NOT NULL,
    run_id          VARCHAR(255),
    sequence_number BIGINT       NOT NULL,
    data            JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    metadata        JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    schema_version  INTEGER      NOT NULL DEFAULT 1,
    UNIQUE INDEX asm_events_session_sequence_idx (session_id, sequence_number),
    INDEX asm_events_session_type_idx (session_id, type),
    INDEX asm_events_session_run_idx (session_id, run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS asm_session_sequences (
    session_id    VARCHAR(255) NOT NULL PRIMARY KEY,
    last_sequence BIGINT       NOT NULL DEFAULT 0
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

SET SESSION lock_wait_timeout = DEFAULT;
