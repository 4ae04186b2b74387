-- name: langgraph_put(thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint, metadata, created_at)!
-- Save a LangGraph checkpoint (its changed channel values went in first, by langgraph_insert_blobs, in the same
-- transaction); a checkpoint saved again is replaced. The update repeats the parameters, not VALUES(col):
-- MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_langgraph_checkpoints
    (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint, metadata, created_at)
VALUES (:thread_id, :checkpoint_ns, :checkpoint_id, :parent_checkpoint_id, :run_id, :type, :checkpoint, :metadata,
        :created_at)
ON DUPLICATE KEY UPDATE
    parent_checkpoint_id = :parent_checkpoint_id,
    run_id               = :run_id,
    type                 = :type,
    checkpoint           = :checkpoint,
    metadata             = :metadata;

-- name: langgraph_insert_blobs(thread_id, checkpoint_ns, channel, version, type, payload)*!
-- Store channel values of a thread, each (channel, version) once. Not INSERT IGNORE: it hides other errors.
INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
VALUES (:thread_id, :checkpoint_ns, :channel, :version, :type, :payload)
ON DUPLICATE KEY UPDATE thread_id = thread_id;

-- name: langgraph_insert_writes(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)*!
-- Store a task's pending writes of a checkpoint; a (task, idx) stored already is kept.
INSERT INTO asm_langgraph_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
VALUES (:thread_id, :checkpoint_ns, :checkpoint_id, :task_id, :task_path, :idx, :channel, :type, :payload)
ON DUPLICATE KEY UPDATE thread_id = thread_id;

-- name: langgraph_upsert_writes(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)*!
-- Store a task's writes to LangGraph's special channels (error, interrupt, ...): a (task, idx) stored already is
-- replaced. The new row is a derived table, not VALUES(col) (MySQL 8.0.20+ warns on each): one statement per
-- write, which special channels (a task's error or interrupt) can afford.
INSERT INTO asm_langgraph_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
SELECT * FROM (
    SELECT :thread_id AS thread_id, :checkpoint_ns AS checkpoint_ns, :checkpoint_id AS checkpoint_id,
           :task_id AS task_id, :task_path AS task_path, :idx AS idx, :channel AS channel, :type AS type,
           :payload AS payload) AS incoming
ON DUPLICATE KEY UPDATE
    channel = incoming.channel,
    type    = incoming.type,
    payload = incoming.payload;

-- name: langgraph_get_checkpoint(thread_id, checkpoint_ns, checkpoint_id)^
-- One checkpoint of a thread's namespace by id.
SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM asm_langgraph_checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id;

-- name: langgraph_get_latest_checkpoint(thread_id, checkpoint_ns)^
-- The latest checkpoint of a thread's namespace (checkpoint ids grow with time), read backwards on the primary key.
SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM asm_langgraph_checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns
ORDER BY checkpoint_id DESC
LIMIT 1;

-- name: langgraph_get_blobs(thread_id, checkpoint_ns, keys)
-- The stored values of the listed (channel, version) pairs of a thread's namespace (:keys: a JSON array of pairs).
SELECT b.channel, b.version, b.type, b.payload
-- (The JSON_TABLE columns are its own definitions, not references: hence the noqa.)
FROM JSON_TABLE(:keys, '$[*]' COLUMNS (c VARCHAR(191) COLLATE utf8mb4_bin PATH '$[0]',  -- noqa: RF02
                                       v VARCHAR(64) COLLATE utf8mb4_bin PATH '$[1]')) AS k  -- noqa: RF02
INNER JOIN asm_langgraph_blobs AS b
    ON b.channel = k.c AND b.version = k.v
WHERE b.thread_id = :thread_id AND b.checkpoint_ns = :checkpoint_ns;

-- name: langgraph_get_writes(thread_id, checkpoint_ns, checkpoint_id)
-- The pending writes of one checkpoint.
SELECT task_id, task_path, idx, channel, type, payload
FROM asm_langgraph_writes
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id;

-- name: langgraph_ancestor_page(thread_id, checkpoint_ns, before, limit)
-- A page of a thread namespace's checkpoints older than :before, newest first, read backwards on the primary key
-- (get_delta_channel_history follows the parent chain through them).
SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint
FROM asm_langgraph_checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :before
ORDER BY checkpoint_id DESC
LIMIT :limit;

-- name: langgraph_get_writes_between(thread_id, checkpoint_ns, first_id, last_id)
-- The pending writes of a thread namespace's checkpoints from :first_id to :last_id, a range of the primary key.
SELECT checkpoint_id, task_id, task_path, idx, channel, type, payload
FROM asm_langgraph_writes
WHERE
    thread_id = :thread_id
    AND checkpoint_ns = :checkpoint_ns
    AND checkpoint_id >= :first_id
    AND checkpoint_id <= :last_id;

-- name: langgraph_list_checkpoints(thread_id, checkpoint_ns, checkpoint_id, filter, before, limit)
-- Checkpoints newest first: of one thread (or all when NULL), namespace and id (when given), whose metadata
-- holds every key and value of :filter (JSON), before an id.
SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
FROM asm_langgraph_checkpoints
WHERE (:thread_id IS NULL OR thread_id = :thread_id)
  AND (:checkpoint_ns IS NULL OR checkpoint_ns = :checkpoint_ns)
  AND (:checkpoint_id IS NULL OR checkpoint_id = :checkpoint_id)
  AND (:filter IS NULL OR JSON_CONTAINS(metadata, :filter))
  AND (:before IS NULL OR checkpoint_id < :before)
ORDER BY checkpoint_id DESC
LIMIT :limit;

-- name: langgraph_delete_thread_checkpoints(thread_id)!
-- Delete every checkpoint of a thread.
DELETE FROM asm_langgraph_checkpoints WHERE thread_id = :thread_id;

-- name: langgraph_delete_thread_blobs(thread_id)!
-- Delete every stored channel value of a thread.
DELETE FROM asm_langgraph_blobs WHERE thread_id = :thread_id;

-- name: langgraph_delete_thread_writes(thread_id)!
-- Delete every pending write of a thread.
DELETE FROM asm_langgraph_writes WHERE thread_id = :thread_id;

-- name: langgraph_run_checkpoints(run_id)
-- The checkpoints a run saved (metadata run_id), by the run_id index.
SELECT thread_id, checkpoint_ns, checkpoint_id
FROM asm_langgraph_checkpoints
WHERE run_id = :run_id;

-- name: langgraph_delete_checkpoint(thread_id, checkpoint_ns, checkpoint_id)!
-- Delete one checkpoint.
DELETE FROM asm_langgraph_checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id;

-- name: langgraph_delete_checkpoint_writes(thread_id, checkpoint_ns, checkpoint_id)!
-- Delete the pending writes of one checkpoint.
DELETE FROM asm_langgraph_writes
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id;

-- name: langgraph_thread_heads(thread_id)
-- The latest checkpoint of each namespace of a thread (what prune keeps).
SELECT c.checkpoint_ns, c.checkpoint_id, c.type, c.checkpoint, c.metadata
FROM asm_langgraph_checkpoints AS c
WHERE c.thread_id = :thread_id
  AND c.checkpoint_id = (SELECT MAX(m.checkpoint_id) FROM asm_langgraph_checkpoints AS m
                         WHERE m.thread_id = :thread_id AND m.checkpoint_ns = c.checkpoint_ns);

-- name: langgraph_thread_blob_keys(thread_id)
-- The (namespace, channel, version) of every stored channel value of a thread, with the head of each stored list
-- tail (what prune follows to the values a tail extends; see asm/integrations/langgraph/tails.py).
SELECT
    checkpoint_ns,
    channel,
    version,
    CASE WHEN LEFT(type, 9) = 'asm-tail:' THEN SUBSTRING(payload, 1, 100) END AS tail_head
FROM asm_langgraph_blobs
WHERE thread_id = :thread_id;

-- name: langgraph_delete_writes_before(thread_id, checkpoint_ns, checkpoint_id)!
-- Delete the pending writes of a namespace's checkpoints older than the one kept.
DELETE FROM asm_langgraph_writes
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :checkpoint_id;

-- name: langgraph_delete_checkpoints_before(thread_id, checkpoint_ns, checkpoint_id)!
-- Delete a namespace's checkpoints older than the one kept (newer ones, saved meanwhile, stay).
DELETE FROM asm_langgraph_checkpoints
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id < :checkpoint_id;

-- name: langgraph_clear_parent(thread_id, checkpoint_ns, checkpoint_id)!
-- Forget the parent of a kept checkpoint whose parent was pruned.
UPDATE asm_langgraph_checkpoints SET parent_checkpoint_id = NULL
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND checkpoint_id = :checkpoint_id;

-- name: langgraph_delete_blob(thread_id, checkpoint_ns, channel, version)*!
-- Delete stored channel values no kept checkpoint refers to.
DELETE FROM asm_langgraph_blobs
WHERE thread_id = :thread_id AND checkpoint_ns = :checkpoint_ns AND channel = :channel AND version = :version;

-- name: langgraph_copy_checkpoints(source, target, now)!
-- Copy every checkpoint of a thread to another (ids kept; dated now, for retention); one the target has is kept.
INSERT INTO asm_langgraph_checkpoints
    (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint, metadata, created_at)
SELECT :target, s.checkpoint_ns, s.checkpoint_id, s.parent_checkpoint_id, s.run_id, s.type, s.checkpoint,
       s.metadata, :now
FROM asm_langgraph_checkpoints AS s
WHERE s.thread_id = :source
ON DUPLICATE KEY UPDATE checkpoint_id = asm_langgraph_checkpoints.checkpoint_id;

-- name: langgraph_copy_blobs(source, target)!
-- Copy every stored channel value of a thread to another.
INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
SELECT :target, s.checkpoint_ns, s.channel, s.version, s.type, s.payload
FROM asm_langgraph_blobs AS s
WHERE s.thread_id = :source
ON DUPLICATE KEY UPDATE version = asm_langgraph_blobs.version;

-- name: langgraph_copy_writes(source, target)!
-- Copy every pending write of a thread to another.
INSERT INTO asm_langgraph_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
SELECT :target, s.checkpoint_ns, s.checkpoint_id, s.task_id, s.task_path, s.idx, s.channel, s.type, s.payload
FROM asm_langgraph_writes AS s
WHERE s.thread_id = :source
ON DUPLICATE KEY UPDATE idx = asm_langgraph_writes.idx;

-- name: langgraph_expired_threads(created_before, limit)
-- Threads whose latest checkpoint is older than a cutoff (time-based retention), read from the created_at index.
SELECT DISTINCT o.thread_id
FROM asm_langgraph_checkpoints AS o
WHERE o.created_at < :created_before
  AND NOT EXISTS (SELECT 1 FROM asm_langgraph_checkpoints AS n
                  WHERE n.thread_id = o.thread_id AND n.created_at >= :created_before)
ORDER BY o.thread_id
LIMIT :limit;
