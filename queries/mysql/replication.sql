-- name: current_wal_lsn()^
-- Never run: read replicas are PostgreSQL's (asm/core/replicas.py); here so that every
-- dialect has the same query names, typed as PostgreSQL's.
SELECT
    CAST(NULL AS CHAR) AS lsn,
    CAST(NULL AS SIGNED) AS block_size,
    CAST(NULL AS SIGNED) AS segment_size;

-- name: replica_replay_lsn()$
-- Never run: read replicas are PostgreSQL's (asm/core/replicas.py); here so that every
-- dialect has the same query names, typed as PostgreSQL's.
SELECT CAST(NULL AS CHAR) AS lsn;
