-- The whole asm schema on MySQL 8 / MariaDB, as migrations/mysql builds it (0001-0007), in
-- one file to read. Not a migration: tests/test_schema_snapshot.py checks that a database built
-- from this file and one built from the migrations have the same catalog. Columns are in the
-- order the migrations leave them (those of V2 come last).
-- Timestamps are DATETIME(6) in UTC. utf8mb4_bin makes ids compare and sort as on the other
-- dialects (case-sensitive, bytewise).

-- Sessions, runs, the append-only event log and its per-session counters (V1, 0001; V2, 0002).

CREATE TABLE asm_sessions (
    id                VARCHAR(255) NOT NULL PRIMARY KEY,
    agent_id          VARCHAR(255) NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    parent_session_id VARCHAR(255),
    metadata          JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    context           JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    tags              JSON         NOT NULL DEFAULT (JSON_ARRAY()),
    created_at        DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    updated_at        DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    deleted_at        DATETIME(6),
    INDEX asm_sessions_status_idx (status),
    INDEX asm_sessions_agent_created_idx (agent_id, created_at, id),  -- 0005
    INDEX asm_sessions_agent_updated_idx (agent_id, updated_at, id),  -- 0005
    INDEX asm_sessions_created_at_idx (created_at, id),
    INDEX asm_sessions_updated_at_idx (updated_at, id),
    INDEX asm_sessions_deleted_at_idx (deleted_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- provider_metadata has no default and rows older than V2 hold NULL, read as {} (0002 adds it
-- instantly, which MySQL 8 cannot do for a column with an expression default).
-- input_tokens, output_tokens, total_tokens: a run's token counts, one definition of the rule
-- (a JSON number counts as itself, clamped to the DECIMAL's range; anything else as 0); VIRTUAL,
-- computed when read.
CREATE TABLE asm_runs (
    id                VARCHAR(255) NOT NULL PRIMARY KEY,
    session_id        VARCHAR(255) NOT NULL,
    status            VARCHAR(32)  NOT NULL DEFAULT 'pending',
    input             JSON,
    output            JSON,
    error             JSON,
    metadata          JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    turn_count        INTEGER      NOT NULL DEFAULT 0,
    token_usage       JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    started_at        DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    ended_at          DATETIME(6),
    provider          VARCHAR(255),
    provider_metadata JSON,
    input_tokens  DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.input_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.input_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    output_tokens DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.output_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.output_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    total_tokens  DECIMAL(65, 6) GENERATED ALWAYS AS (
        CASE WHEN JSON_TYPE(JSON_EXTRACT(token_usage, '$.total_tokens')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')
             THEN CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) + 0e0 >= 1e59 THEN 99999999999999999999999999999999999999999999999999999999999.999999
                       WHEN JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) + 0e0 <= -1e59 THEN -99999999999999999999999999999999999999999999999999999999999.999999
                       ELSE CAST(JSON_UNQUOTE(JSON_EXTRACT(token_usage, '$.total_tokens')) AS DECIMAL(65, 6)) END
             ELSE 0 END) VIRTUAL,
    INDEX asm_runs_session_id_started_at_idx (session_id, started_at, id),
    INDEX asm_runs_status_idx (status),
    INDEX asm_runs_started_at_idx (started_at, id),
    INDEX asm_runs_provider_idx (provider, started_at),
    INDEX asm_runs_total_tokens_idx (total_tokens, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE asm_events (
    id              VARCHAR(255) NOT NULL PRIMARY KEY,
    type            VARCHAR(64)  NOT NULL,
    timestamp       DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    session_id      VARCHAR(255) NOT NULL,
    run_id          VARCHAR(255),
    sequence_number BIGINT       NOT NULL,
    data            JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    metadata        JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    schema_version  INTEGER      NOT NULL DEFAULT 1,
    provider        VARCHAR(255),
    correlation_id  VARCHAR(255),
    UNIQUE INDEX asm_events_session_sequence_idx (session_id, sequence_number),
    INDEX asm_events_session_type_idx (session_id, type),
    INDEX asm_events_session_run_sequence_idx (session_id, run_id, sequence_number),  -- 0005
    INDEX asm_events_session_timestamp_idx (session_id, timestamp, id),
    INDEX asm_events_timestamp_idx (timestamp, id),
    INDEX asm_events_correlation_idx (correlation_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE asm_session_sequences (
    session_id    VARCHAR(255) NOT NULL PRIMARY KEY,
    last_sequence BIGINT       NOT NULL DEFAULT 0,
    updated_at    DATETIME(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The artifact registry (V2, 0002).

CREATE TABLE asm_artifacts (
    id              VARCHAR(255)  NOT NULL PRIMARY KEY,
    `key`           VARCHAR(255)  NOT NULL,
    session_id      VARCHAR(255),
    run_id          VARCHAR(255),
    type            VARCHAR(255),
    content_type    VARCHAR(255),
    size_bytes      BIGINT        NOT NULL,
    checksum_sha256 VARCHAR(255),
    storage_backend VARCHAR(255),
    storage_ref     VARCHAR(2048),
    metadata        JSON          NOT NULL DEFAULT (JSON_OBJECT()),
    created_at      DATETIME(6)   NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    deleted_at      DATETIME(6),
    UNIQUE INDEX asm_artifacts_key_idx (`key`),
    INDEX asm_artifacts_session_idx (session_id, created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Graph-workflow sessions: the graph library's table in MySQL terms (UUIDs as CHAR(36),
-- graph_id a VARCHAR so it can lead an index), plus the list indexes (0003).

CREATE TABLE sessions (
    id              CHAR(36)     CHARACTER SET ascii NOT NULL PRIMARY KEY,
    graph_id        VARCHAR(255) NOT NULL,
    current_task_id TEXT         NOT NULL,
    status_message  TEXT,
    context         JSON         NOT NULL,
    created_at      DATETIME(6)  DEFAULT (UTC_TIMESTAMP(6)),
    updated_at      DATETIME(6)  DEFAULT (UTC_TIMESTAMP(6)),
    INDEX sessions_graph_id_idx (graph_id, created_at, id),
    INDEX sessions_created_at_idx (created_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- No append notifications on MySQL (0004 is empty): long polls re-read with a short backoff.

-- LangGraph checkpoints (0006): asm.integrations.langgraph's savers.

CREATE TABLE asm_langgraph_checkpoints (
    thread_id            VARCHAR(255) NOT NULL,
    checkpoint_ns        VARCHAR(255) NOT NULL DEFAULT '',
    checkpoint_id        VARCHAR(128) NOT NULL,
    parent_checkpoint_id VARCHAR(128),
    run_id               VARCHAR(255),
    type                 VARCHAR(64)  NOT NULL,
    checkpoint           LONGBLOB     NOT NULL,
    metadata             JSON         NOT NULL DEFAULT (JSON_OBJECT()),
    created_at           DATETIME(6)  NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id),
    INDEX asm_langgraph_checkpoints_run_idx (run_id),
    INDEX asm_langgraph_checkpoints_created_idx (created_at, thread_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE asm_langgraph_blobs (
    thread_id     VARCHAR(255) NOT NULL,
    checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
    channel       VARCHAR(191) NOT NULL,
    version       VARCHAR(64)  NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       LONGBLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE asm_langgraph_writes (
    thread_id     VARCHAR(255) NOT NULL,
    checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
    checkpoint_id VARCHAR(128) NOT NULL,
    task_id       VARCHAR(128) NOT NULL,
    idx           INTEGER      NOT NULL,
    channel       VARCHAR(255) NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       LONGBLOB     NOT NULL,
    task_path     TEXT         NOT NULL,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
