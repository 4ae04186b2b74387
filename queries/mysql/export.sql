-- name: export_session_artifacts(session_id)
-- Every artifact row of a session, soft-deleted ones included, in creation order (export_session).
SELECT id, `key`, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
       storage_backend, storage_ref, metadata, created_at, deleted_at
FROM asm_artifacts
WHERE session_id = :session_id
ORDER BY created_at, id;

-- name: import_raise_sequence(session_id, sequence_number, now)!
-- Raise a session's counter to at least `sequence_number`, never lowering it, and lock it until
-- commit. updated_at comes first: MySQL assigns left to right, so it must see the old last_sequence.
-- The update repeats the parameters, not VALUES(col): MySQL 8.0.20+ warns on each VALUES(), MariaDB has no row alias.
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
VALUES (:session_id, :sequence_number, :now)
ON DUPLICATE KEY UPDATE
    updated_at    = IF(:sequence_number > last_sequence, CAST(:now AS DATETIME(6)), updated_at),
    last_sequence = GREATEST(last_sequence, :sequence_number);

-- name: import_events(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)*!
-- Insert exported events with their own numbers; one whose id or session number is taken is skipped
-- (import_session then tells the two apart with get_events_by_ids). Not INSERT IGNORE: it hides other errors.
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
VALUES
    (:id, :type, :timestamp, :session_id, :run_id, :sequence_number, :data, :metadata,
     :schema_version, :provider, :correlation_id)
ON DUPLICATE KEY UPDATE id = id;

-- name: import_artifacts(id, key, session_id, run_id, type, content_type, size_bytes, checksum_sha256, storage_backend, storage_ref, metadata, created_at, deleted_at)*!
-- Insert exported artifact rows; one whose id or key is taken is skipped (checked with import_artifact_ids).
INSERT INTO asm_artifacts
    (id, `key`, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
     storage_backend, storage_ref, metadata, created_at, deleted_at)
VALUES
    (:id, :key, :session_id, :run_id, :type, :content_type, :size_bytes, :checksum_sha256,
     :storage_backend, :storage_ref, :metadata, :created_at, :deleted_at)
ON DUPLICATE KEY UPDATE id = id;

-- name: import_artifact_ids(ids)
-- The stored artifact ids among a list of ids (a JSON array, expanded to rows for a key lookup each).
SELECT id FROM asm_artifacts
WHERE id IN (SELECT j.v FROM JSON_TABLE(:ids, '$[*]' COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j);
