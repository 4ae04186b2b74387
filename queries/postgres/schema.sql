-- name: schema_probe()
-- Fails unless every asm table has the newest column the store needs (not 0008's notify_until:
-- without it long polls poll), the append notification trigger's function exists (migration
-- 0004) and so does the append function (0007); reads no rows.
SELECT 1
FROM asm_sessions AS s, asm_runs AS r, asm_events AS e, asm_session_sequences AS q, asm_artifacts AS a
WHERE s.deleted_at IS NULL
  AND r.provider_metadata IS NULL
  AND e.correlation_id IS NULL
  AND q.updated_at IS NULL
  AND a.key IS NULL
  AND CAST('asm_notify_appended_events()' AS regprocedure) IS NOT NULL
  AND CAST('asm_append_event' AS regproc) IS NOT NULL
  AND 1 = 0;
