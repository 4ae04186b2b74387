-- LangGraph checkpoints (asm.integrations.langgraph: AsmSaver, AsyncAsmSaver), in three tables of
-- their own, all keyed by thread first: one row per checkpoint (its body serialized by the saver,
-- its metadata as JSON text, its time as fixed-width UTC text for retention); a channel's value
-- once per (channel, version), never rewritten; the pending writes of a checkpoint, one row per
-- (task, idx). Key lengths are checked by the saver, as on the other dialects.
-- depends: 0005.ordered-indexes

CREATE TABLE IF NOT EXISTS asm_langgraph_checkpoints (
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

CREATE INDEX IF NOT EXISTS asm_langgraph_checkpoints_run_idx ON asm_langgraph_checkpoints (run_id);
CREATE INDEX IF NOT EXISTS asm_langgraph_checkpoints_created_idx ON asm_langgraph_checkpoints (created_at, thread_id);

CREATE TABLE IF NOT EXISTS asm_langgraph_blobs (
    thread_id     TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    channel       TEXT NOT NULL,
    version       TEXT NOT NULL,
    type          TEXT NOT NULL,
    payload       BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);

CREATE TABLE IF NOT EXISTS asm_langgraph_writes (
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
