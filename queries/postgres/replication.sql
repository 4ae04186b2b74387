-- name: current_wal_lsn()^
-- The primary's WAL insert position ('X/Y') and its WAL page and segment sizes: a read replica
-- that replayed past it has every commit made before it (asm/core/replicas.py).
SELECT
    PG_CURRENT_WAL_INSERT_LSN()::text AS lsn,
    CURRENT_SETTING('wal_block_size')::integer AS block_size,
    (SELECT s.setting::bigint FROM pg_settings AS s WHERE s.name = 'wal_segment_size') AS segment_size;

-- name: replica_replay_lsn()$
-- How far a hot standby has replayed the primary's WAL ('X/Y'); NULL on a server not in recovery.
SELECT PG_LAST_WAL_REPLAY_LSN()::text AS lsn;
