-- name: adk_append_event(session_id, seen, now)!
-- Google ADK's append_event, its stale check: take number :seen + 1 of the session's counter only if the writer
-- has seen the latest (:seen). Changes one row, or none when it is stale (or the session has no counter yet). The
-- event is then inserted at that number (append_event) and the state saved (adk_save_session_state), in one
-- transaction; PostgreSQL does all three in this one statement.
UPDATE asm_session_sequences
SET last_sequence = last_sequence + 1, updated_at = :now
WHERE session_id = :session_id AND last_sequence = :seen;

-- name: adk_save_session_state(session_id, context, updated_at)!
-- Store an ADK session's context (its state and last update time) after an append.
UPDATE asm_sessions
SET context = :context, updated_at = :updated_at
WHERE id = :session_id;
