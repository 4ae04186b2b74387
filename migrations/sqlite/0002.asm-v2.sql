-- asm schema V2: soft delete, providers, correlation ids, artifact metadata, query indexes.
-- depends: 0001.asm-v1

ALTER TABLE asm_sessions ADD COLUMN deleted_at TEXT;

ALTER TABLE asm_runs ADD COLUMN provider TEXT;
ALTER TABLE asm_runs ADD COLUMN provider_metadata TEXT NOT NULL DEFAULT '{}';

-- A run's token counts, one definition of the rule: a JSON number counts as itself, anything
-- else as 0. VIRTUAL: computed when read (an index stores its own copy); no declared type, so
-- the value is the expression's own (an int or a real), as the sums have always added it.
ALTER TABLE asm_runs ADD COLUMN input_tokens GENERATED ALWAYS AS
    (CASE WHEN json_type(token_usage, '$.input_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.input_tokens') ELSE 0 END) VIRTUAL;
ALTER TABLE asm_runs ADD COLUMN output_tokens GENERATED ALWAYS AS
    (CASE WHEN json_type(token_usage, '$.output_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.output_tokens') ELSE 0 END) VIRTUAL;
ALTER TABLE asm_runs ADD COLUMN total_tokens GENERATED ALWAYS AS
    (CASE WHEN json_type(token_usage, '$.total_tokens') IN ('integer', 'real') THEN json_extract(token_usage, '$.total_tokens') ELSE 0 END) VIRTUAL;

ALTER TABLE asm_events ADD COLUMN provider TEXT;
ALTER TABLE asm_events ADD COLUMN correlation_id TEXT;

-- SQLite cannot add a column with a non-constant default; asm always sets it.
ALTER TABLE asm_session_sequences ADD COLUMN updated_at TEXT;

CREATE TABLE asm_artifacts (
    id              TEXT    PRIMARY KEY NOT NULL,
    key             TEXT    NOT NULL,
    session_id      TEXT,
    run_id          TEXT,
    type            TEXT,
    content_type    TEXT,
    size_bytes      INTEGER NOT NULL,
    checksum_sha256 TEXT,
    storage_backend TEXT,
    storage_ref     TEXT,
    metadata        TEXT    NOT NULL DEFAULT '{}',
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'),
    deleted_at      TEXT
);

CREATE UNIQUE INDEX asm_artifacts_key_idx ON asm_artifacts (key);
CREATE INDEX asm_artifacts_session_idx ON asm_artifacts (session_id, created_at, id);

-- Keyset orders and retention scans of the query and maintenance APIs.
CREATE INDEX asm_sessions_created_at_idx ON asm_sessions (created_at, id);
CREATE INDEX asm_sessions_updated_at_idx ON asm_sessions (updated_at, id);
CREATE INDEX asm_sessions_deleted_at_idx ON asm_sessions (deleted_at);
CREATE INDEX asm_runs_started_at_idx ON asm_runs (started_at, id);
CREATE INDEX asm_runs_provider_idx ON asm_runs (provider, started_at);
CREATE INDEX asm_events_timestamp_idx ON asm_events (timestamp, id);
CREATE INDEX asm_events_correlation_idx ON asm_events (correlation_id);
-- Per-session, timestamp-ordered reads and per-session top-N. (No index on asm_events.provider:
-- a handful of distinct values, never chosen by a planner.)
CREATE INDEX asm_events_session_timestamp_idx ON asm_events (session_id, timestamp, id);
CREATE INDEX asm_runs_total_tokens_idx ON asm_runs (total_tokens, id);
