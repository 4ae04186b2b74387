-- LangGraph checkpoints (asm.integrations.langgraph: AsmSaver, AsyncAsmSaver), in three tables of
-- their own, all keyed by thread first:
-- * asm_langgraph_checkpoints: one row per checkpoint, its body (channel values of big types left
--   out) serialized by the saver's serde, its metadata as JSON (list filters read it), its time
--   (time-based retention reads it);
-- * asm_langgraph_blobs: a channel's value once per (channel, version), never rewritten: a step
--   writes only the channels it changed;
-- * asm_langgraph_writes: the pending writes of a checkpoint, one row per (task, idx).
-- Key lengths fit MySQL's 3,072-byte index keys, and are the same on every dialect.
-- New tables, so their indexes are built plainly, under the 5 s lock_timeout of 0001.
-- depends: 0005.ordered-indexes

SET LOCAL lock_timeout = '5s';

CREATE TABLE IF NOT EXISTS asm_langgraph_checkpoints (
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

CREATE INDEX IF NOT EXISTS asm_langgraph_checkpoints_run_idx ON asm_langgraph_checkpoints (run_id);
CREATE INDEX IF NOT EXISTS asm_langgraph_checkpoints_created_idx ON asm_langgraph_checkpoints (created_at, thread_id);

CREATE TABLE IF NOT EXISTS asm_langgraph_blobs (
    thread_id     VARCHAR(255) COLLATE "C" NOT NULL,
    checkpoint_ns VARCHAR(255) COLLATE "C" NOT NULL DEFAULT '',
    channel       VARCHAR(191) COLLATE "C" NOT NULL,
    version       VARCHAR(64)  COLLATE "C" NOT NULL,
    type          VARCHAR(64)  NOT NULL,
    payload       BYTEA,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);

CREATE TABLE IF NOT EXISTS asm_langgraph_writes (
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
