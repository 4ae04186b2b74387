-- name: langgraph_put(thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint, metadata, created_at, channels, versions, types, payloads)!
-- Save a LangGraph checkpoint and the channel values it changed, in one statement (no BEGIN ... COMMIT): each
-- (channel, version) stored once, never rewritten; a checkpoint saved again is replaced. The statement is the body
-- of asm_langgraph_put (migrations/postgres/0007), whose plan each server connection keeps.
SELECT asm_langgraph_put(CAST(:thread_id AS varchar), CAST(:checkpoint_ns AS varchar),
                         CAST(:checkpoint_id AS varchar), CAST(:parent_checkpoint_id AS varchar),
                         CAST(:run_id AS varchar), CAST(:type AS varchar), CAST(:checkpoint AS bytea),
                         CAST(:metadata AS jsonb), CAST(:created_at AS timestamptz), CAST(:channels AS text[]),
                         CAST(:versions AS text[]), CAST(:types AS text[]), CAST(:payloads AS bytea[]));

-- name: langgraph_insert_blobs(thread_id, checkpoint_ns, channels, versions, types, payloads)!
-- Store channel values of a thread, each (channel, version) once. Here langgraph_put stores them itself; the other
-- dialects call this first (the name is in every dialect's folder).
INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
SELECT CAST(:thread_id AS varchar), CAST(:checkpoint_ns AS varchar), b.channel, b.version, b.type, b.payload
FROM UNNEST(CAST(:channels AS text[]), CAST(:versions AS text[]), CAST(:types AS text[]),
            CAST(:payloads AS bytea[])) AS b (channel, version, type, payload)
ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING;

-- name: langgraph_insert_writes(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)!
-- Store a task's pending writes of a checkpoint (one array per column); a (task, idx) stored already is kept. The
-- statement is the body of asm_langgraph_insert_writes (migrations/postgres/0007), whose plan each server
-- connection keeps.
SELECT asm_langgraph_insert_writes(CAST(:thread_id AS varchar), CAST(:checkpoint_ns AS varchar),
                                   CAST(:checkpoint_id AS varchar), CAST(:task_id AS varchar),
                                   CAST(:task_path AS text), CAST(:idx AS integer[]), CAST(:channel AS text[]),
                                   CAST(:type AS text[]), CAST(:payload AS bytea[]));

-- name: langgraph_upsert_writes(thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)!
-- Store a task's writes to LangGraph's special channels (error, interrupt, ...): a (task, idx) stored already is
-- replaced.
INSERT INTO asm_langgraph_writes AS t
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
SELECT CAST(:thread_id AS varchar), CAST(:checkpoint_ns AS varchar), CAST(:checkpoint_id AS varchar),
       CAST(:task_id AS varchar), CAST(:task_path AS text), w.idx, w.channel, w.type, w.payload
FROM UNNEST(CAST(:idx AS integer[]), CAST(:channel AS text[]), CAST(:type AS text[]),
            CAST(:payload AS bytea[])) AS w (idx, channel, type, payload)
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE SET
    channel = excluded.channel,
    type    = excluded.type,
    payload = excluded.payload;

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
-- Each pair is a primary-key probe (LATERAL, kept a subquery by its LIMIT): as a join the planner hashed the
-- thread's every blob version (a read grew with the history: 1.5 ms at 2,000 steps).
SELECT b.channel, b.version, b.type, b.payload
FROM JSONB_ARRAY_ELEMENTS(CAST(:keys AS jsonb)) AS k (pair)
CROSS JOIN LATERAL (
    SELECT blob.channel, blob.version, blob.type, blob.payload
    FROM asm_langgraph_blobs AS blob
    WHERE
        blob.thread_id = :thread_id
        AND blob.checkpoint_ns = :checkpoint_ns
        AND blob.channel = k.pair ->> 0
        AND blob.version = k.pair ->> 1
    LIMIT 1
) AS b;

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
WHERE (CAST(:thread_id AS varchar) IS NULL OR thread_id = :thread_id)
  AND (CAST(:checkpoint_ns AS varchar) IS NULL OR checkpoint_ns = :checkpoint_ns)
  AND (CAST(:checkpoint_id AS varchar) IS NULL OR checkpoint_id = :checkpoint_id)
  AND (CAST(:filter AS jsonb) IS NULL OR metadata @> CAST(:filter AS jsonb))
  AND (CAST(:before AS varchar) IS NULL OR checkpoint_id < :before)
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
    CASE WHEN LEFT(type, 9) = 'asm-tail:' THEN SUBSTRING(payload FROM 1 FOR 100) END AS tail_head
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
SELECT CAST(:target AS varchar), s.checkpoint_ns, s.checkpoint_id, s.parent_checkpoint_id, s.run_id, s.type,
       s.checkpoint, s.metadata, CAST(:now AS timestamptz)
FROM asm_langgraph_checkpoints AS s
WHERE s.thread_id = :source
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO NOTHING;

-- name: langgraph_copy_blobs(source, target)!
-- Copy every stored channel value of a thread to another.
INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
SELECT CAST(:target AS varchar), s.checkpoint_ns, s.channel, s.version, s.type, s.payload
FROM asm_langgraph_blobs AS s
WHERE s.thread_id = :source
ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING;

-- name: langgraph_copy_writes(source, target)!
-- Copy every pending write of a thread to another.
INSERT INTO asm_langgraph_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
SELECT CAST(:target AS varchar), s.checkpoint_ns, s.checkpoint_id, s.task_id, s.task_path, s.idx, s.channel,
       s.type, s.payload
FROM asm_langgraph_writes AS s
WHERE s.thread_id = :source
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING;

-- name: langgraph_expired_threads(created_before, limit)
-- Threads whose latest checkpoint is older than a cutoff (time-based retention), read from the created_at index.
SELECT DISTINCT o.thread_id
FROM asm_langgraph_checkpoints AS o
WHERE o.created_at < :created_before
  AND NOT EXISTS (SELECT 1 FROM asm_langgraph_checkpoints AS n
                  WHERE n.thread_id = o.thread_id AND n.created_at >= :created_before)
ORDER BY o.thread_id
LIMIT :limit;
