-- name: export_session_artifacts(session_id)
-- Every artifact row of a session, soft-deleted ones included, in creation order (export_session).
SELECT id, key, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
       storage_backend, storage_ref, metadata, created_at, deleted_at
FROM asm_artifacts
WHERE session_id = :session_id
ORDER BY created_at, id;

-- name: import_raise_sequence(session_id, sequence_number, now)!
-- Raise a session's counter to at least `sequence_number`, never lowering it.
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
VALUES (:session_id, :sequence_number, :now)
ON CONFLICT (session_id) DO UPDATE
    SET last_sequence = excluded.last_sequence,
        updated_at    = excluded.updated_at
    WHERE asm_session_sequences.last_sequence < excluded.last_sequence;

-- name: import_events(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)*!
-- Insert exported events with their own numbers; one whose id or session number is taken is skipped
-- (import_session then tells the two apart with get_events_by_ids).
INSERT INTO asm_events
    (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
     schema_version, provider, correlation_id)
VALUES
    (:id, :type, :timestamp, :session_id, :run_id, :sequence_number, :data, :metadata,
     :schema_version, :provider, :correlation_id)
ON CONFLICT DO NOTHING;

-- name: import_artifacts(id, key, session_id, run_id, type, content_type, size_bytes, checksum_sha256, storage_backend, storage_ref, metadata, created_at, deleted_at)*!
-- Insert exported artifact rows; one whose id or key is taken is skipped (checked with import_artifact_ids).
INSERT INTO asm_artifacts
    (id, key, session_id, run_id, type, content_type, size_bytes, checksum_sha256,
     storage_backend, storage_ref, metadata, created_at, deleted_at)
VALUES
    (:id, :key, :session_id, :run_id, :type, :content_type, :size_bytes, :checksum_sha256,
     :storage_backend, :storage_ref, :metadata, :created_at, :deleted_at)
ON CONFLICT DO NOTHING;

-- name: import_artifact_ids(ids)
-- The stored artifact ids among a list of ids (a JSON array).
SELECT id FROM asm_artifacts WHERE id IN (SELECT j.value FROM JSON_EACH(:ids) AS j);
