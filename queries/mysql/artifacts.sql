-- name: purge_deleted_artifact(key)!
-- Drop the soft-deleted artifact row holding a key, so a new artifact can take the key.
DELETE FROM asm_artifacts WHERE `key` = :key AND deleted_at IS NOT NULL;

-- name: insert_artifact(id, key, session_id, run_id, type, content_type, size_bytes, checksum_sha256, storage_backend, storage_ref, metadata, created_at)!
-- Register an artifact unless its key (or id) is taken; no row changed means it is
-- (a racing insert fails on the unique key and is retried).
INSERT INTO asm_artifacts
    (id, `key`, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
     storage_backend, storage_ref, metadata, created_at)
SELECT :id, :key, :session_id, :run_id, :type, :content_type, :size_bytes, :checksum_sha256,
       :storage_backend, :storage_ref, :metadata, :created_at
FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM asm_artifacts AS a WHERE a.`key` = :key OR a.id = :id);

-- name: get_live_artifact(key)^
-- The live (not soft-deleted) artifact with a key.
SELECT id, `key`, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
       storage_backend, storage_ref, metadata, created_at, deleted_at
FROM asm_artifacts
WHERE `key` = :key AND deleted_at IS NULL;

-- name: list_live_artifacts(session_id)
-- A session's live artifacts in registration order.
SELECT id, `key`, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
       storage_backend, storage_ref, metadata, created_at, deleted_at
FROM asm_artifacts
WHERE session_id = :session_id AND deleted_at IS NULL
ORDER BY created_at, id;

-- name: live_artifact_stats(session_id)^
-- How many live artifacts a session has and their total size.
SELECT COUNT(*) AS artifact_count, COALESCE(SUM(size_bytes), 0) AS total_bytes
FROM asm_artifacts
WHERE session_id = :session_id AND deleted_at IS NULL;

-- name: soft_delete_artifact(key, now)!
-- Mark the live artifact with a key deleted.
UPDATE asm_artifacts SET deleted_at = :now WHERE `key` = :key AND deleted_at IS NULL;
