-- LangGraph checkpoints (asm.integrations.langgraph: AsmSaver, AsyncAsmSaver), in three tables of
-- their own, all keyed by thread first: one row per checkpoint (its body serialized by the saver,
-- its metadata as JSON, its time for retention); a channel's value once per (channel, version),
-- never rewritten; the pending writes of a checkpoint, one row per (task, idx).
-- Key columns fit InnoDB's 3,072-byte index keys in utf8mb4 (the same lengths on every dialect).
-- IF NOT EXISTS: MySQL commits each DDL statement on its own, so a run killed midway is finished
-- by the next; lock_wait_timeout as in 0001.
-- depends: 0005.ordered-indexes

SET SESSION lock_wait_timeout = 5;

CREATE TABLE IF NOT EXISTS asm_langgraph_checkpoints (
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

CREATE TABLE IF NOT EXISTS asm_langgraph_blobs (
    thread_id     VARCHAR(255) NOT NULL,
    checkpoint_ns VARCHAR(255) NOT NULL DEFAULT '',
    channel       VARCHAR(191) NOT NULL,
    version       VARCHAR(64)  NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       LONGBLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS asm_langgraph_writes (
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

SET SESSION lock_wait_timeout = DEFAULT;
