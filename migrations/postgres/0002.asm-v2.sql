-- asm schema V2: soft delete, providers, correlation ids, artifact metadata, query indexes.
-- depends: 0001.asm-v1

ALTER TABLE asm_sessions ADD COLUMN deleted_at TIMESTAMPTZ;

ALTER TABLE asm_runs ADD COLUMN provider VARCHAR(255);
ALTER TABLE asm_runs ADD COLUMN provider_metadata JSONB NOT NULL DEFAULT '{}';

ALTER TABLE asm_events ADD COLUMN provider VARCHAR(255);
ALTER TABLE asm_events ADD COLUMN correlation_id VARCHAR(255);

ALTER TABLE asm_session_sequences ADD COLUMN updated_at TIMESTAMPTZ;

CREATE TABLE asm_artifacts (
    id              VARCHAR(255) COLLATE "C" PRIMARY KEY,
    key             VARCHAR(255) COLLATE "C" NOT NULL,
    session_id      VARCHAR(255) COLLATE "C",
    run_id          VARCHAR(255) COLLATE "C",
    type            VARCHAR(255),
    content_type    VARCHAR(255),
    size_bytes      BIGINT        NOT NULL,
    checksum_sha256 VARCHAR(255),
    storage_backend VARCHAR(255),
    storage_ref     VARCHAR(2048),
    metadata        JSONB         NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at      TIMESTAMPTZ
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
CREATE INDEX asm_events_provider_idx ON asm_events (provider);
