-- The hottest writes as PL/pgSQL functions, so each server connection plans them once: the
-- single-statement append (asm_append_event), Google ADK's append (asm_adk_append_event) and a
-- LangGraph step's checkpoint and writes (asm_langgraph_put, asm_langgraph_insert_writes). Sent
-- as plain statements, asm's queries are parsed and planned at every call (asm prepares no
-- statements by default: a transaction pooler would hand them to other clients); for these
-- statements of several parts that was a third to a half of a call's time on the server. A
-- function's plans are cached by the server connection that runs it, whatever pooler is in
-- front, and each is a generic plan (every lookup is by key), so the caller's plan_cache_mode
-- does not matter. The functions do what the statements they replace did, word for word.
-- CREATE FUNCTION locks no table (the timeout is every migration's rule), and OR REPLACE makes
-- the migration safe to run again.
-- depends: 0006.langgraph

SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION asm_append_event(
    p_id varchar, p_type varchar, p_timestamp timestamptz, p_session_id varchar, p_run_id varchar,
    p_data jsonb, p_metadata jsonb, p_schema_version integer, p_provider varchar,
    p_correlation_id varchar, p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    appended bigint;
BEGIN
    WITH advanced AS (
        INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at)
        SELECT p_session_id, 1, p_now
        WHERE NOT EXISTS (SELECT FROM asm_events WHERE id = p_id)
        ON CONFLICT (session_id) DO UPDATE
            SET last_sequence = q.last_sequence + 1,
                updated_at    = excluded.updated_at
            WHERE q.last_sequence < 9223372036854775807
        RETURNING last_sequence
    )
    INSERT INTO asm_events
        (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
         schema_version, provider, correlation_id)
    SELECT p_id, p_type, p_timestamp, p_session_id, p_run_id, last_sequence,
           p_data, p_metadata, p_schema_version, p_provider, p_correlation_id
    FROM advanced
    RETURNING sequence_number INTO appended;
    RETURN appended;
END;
$$;

CREATE OR REPLACE FUNCTION asm_adk_append_event(
    p_id varchar, p_type varchar, p_timestamp timestamptz, p_session_id varchar, p_run_id varchar,
    p_data jsonb, p_metadata jsonb, p_schema_version integer, p_provider varchar,
    p_correlation_id varchar, p_now timestamptz, p_seen bigint, p_state_delta jsonb,
    p_last_update jsonb, p_updated_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    appended bigint;
BEGIN
    WITH advanced AS (
        UPDATE asm_session_sequences AS q
        SET last_sequence = q.last_sequence + 1,
            updated_at    = p_now
        WHERE q.session_id = p_session_id
          AND q.last_sequence = p_seen
          AND EXISTS (SELECT FROM asm_sessions AS s WHERE s.id = p_session_id AND s.deleted_at IS NULL)
        RETURNING q.last_sequence
    ),
    touched AS (
        UPDATE asm_sessions AS s
        SET context    = JSONB_SET(
                             JSONB_SET(s.context, '{state}',
                                       CASE WHEN JSONB_TYPEOF(s.context -> 'state') = 'object'
                                            THEN s.context -> 'state' ELSE '{}' END
                                       || p_state_delta),
                             '{last_update_time}', p_last_update),
            updated_at = p_updated_at
        FROM advanced
        WHERE s.id = p_session_id
        RETURNING s.id
    )
    INSERT INTO asm_events
        (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
         schema_version, provider, correlation_id)
    SELECT p_id, p_type, p_timestamp, p_session_id, p_run_id, advanced.last_sequence,
           p_data, p_metadata, p_schema_version, p_provider, p_correlation_id
    FROM advanced
    RETURNING sequence_number INTO appended;
    RETURN appended;
END;
$$;

CREATE OR REPLACE FUNCTION asm_langgraph_put(
    p_thread_id varchar, p_checkpoint_ns varchar, p_checkpoint_id varchar,
    p_parent_checkpoint_id varchar, p_run_id varchar, p_type varchar, p_checkpoint bytea,
    p_metadata jsonb, p_created_at timestamptz, p_channels text[], p_versions text[],
    p_types text[], p_payloads bytea[])
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    WITH stored_blobs AS (
        INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)
        SELECT p_thread_id, p_checkpoint_ns, b.channel, b.version, b.type, b.payload
        FROM UNNEST(p_channels, p_versions, p_types, p_payloads) AS b (channel, version, type, payload)
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
    )
    INSERT INTO asm_langgraph_checkpoints AS c
        (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, run_id, type, checkpoint,
         metadata, created_at)
    VALUES (p_thread_id, p_checkpoint_ns, p_checkpoint_id, p_parent_checkpoint_id, p_run_id, p_type,
            p_checkpoint, p_metadata, p_created_at)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
        parent_checkpoint_id = excluded.parent_checkpoint_id,
        run_id               = excluded.run_id,
        type                 = excluded.type,
        checkpoint           = excluded.checkpoint,
        metadata             = excluded.metadata;
END;
$$;

CREATE OR REPLACE FUNCTION asm_langgraph_insert_writes(
    p_thread_id varchar, p_checkpoint_ns varchar, p_checkpoint_id varchar, p_task_id varchar,
    p_task_path text, p_idx integer[], p_channel text[], p_type text[], p_payload bytea[])
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    INSERT INTO asm_langgraph_writes
        (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, payload)
    SELECT p_thread_id, p_checkpoint_ns, p_checkpoint_id, p_task_id, p_task_path, w.idx, w.channel,
           w.type, w.payload
    FROM UNNEST(p_idx, p_channel, p_type, p_payload) AS w (idx, channel, type, payload)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING;
END;
$$;
