-- name: current_wal_lsn()^
-- Never run: read replicas are PostgreSQL's (asm/core/replicas.py); here so that every
-- dialect has the same query names, typed as PostgreSQL's.
SELECT
    CAST(NULL AS TEXT) AS lsn,
    CAST(NULL AS INTEGER) AS block_size,
    CAST(NULL AS INTEGER) AS segment_size;

-- name: replica_replay_lsn()$
-- Never run: read replicas are PostgreSQL's (asm/core/replicas.py); here so that every
-- dialect has the same query names, typed as PostgreSQL's.
SELECT CAST(NULL AS TEXT) AS lsn;
