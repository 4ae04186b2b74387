"""Filling the database fast with raw SQL: long sessions for the history and iter_events runs.

Events are generated inside the database (one INSERT ... SELECT), then the session's counter is
set to the last number, exactly as if asm had appended them one by one.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bench.floor.columns import EVENT_COLUMNS, dumps
from bench.workload import EVENT_DATA, EVENT_METADATA

SEEDED_AT = datetime(2025, 1, 1, tzinfo=timezone.utc)

POSTGRES = f"""
INSERT INTO asm_events ({EVENT_COLUMNS})
SELECT %s::text || g, 'message_sent', %s, %s, NULL, g, %s::jsonb, %s::jsonb, 1, 'openai', NULL
FROM generate_series(1, %s) AS g"""

SQLITE = f"""
INSERT INTO asm_events ({EVENT_COLUMNS})
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
SELECT ? || n, 'message_sent', ?, ?, NULL, n, ?, ?, 1, 'openai', NULL FROM g"""

# Numbers from a cross join of digits: works on MySQL 8 and MariaDB alike, without CTE limits.
_DIGITS = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " \
          "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"


def _mysql_insert(count: int) -> str:
    digits = range(len(str(count)))
    numbers = ("SELECT " + " + ".join(f"{10 ** k} * d{k}.d" for k in digits) + " + 1 AS n FROM "
               + ", ".join(f"{_DIGITS} AS d{k}" for k in digits))
    return f"""
INSERT INTO asm_events ({EVENT_COLUMNS})
SELECT CONCAT(%s, n), 'message_sent', %s, %s, NULL, n, %s, %s, 1, 'openai', NULL
FROM ({numbers}) AS numbers WHERE n <= %s"""

COUNTER = {
    "postgres": """INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES (%s, %s, %s)
                   ON CONFLICT (session_id) DO UPDATE SET last_sequence = excluded.last_sequence""",
    "sqlite": """INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES (?, ?, ?)
                 ON CONFLICT (session_id) DO UPDATE SET last_sequence = excluded.last_sequence""",
    "mysql": """INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES (%s, %s, %s)
                ON DUPLICATE KEY UPDATE last_sequence = VALUES(last_sequence)""",
}


def seed_events(dialect: str, conn, session_id: str, count: int) -> None:
    """Append `count` events numbered 1..count to an empty session, in one transaction."""
    data, metadata, prefix = dumps(EVENT_DATA), dumps(EVENT_METADATA), f"evt_seed_{session_id}_"
    cur = conn.cursor()
    try:
        cur.execute("BEGIN")
        if dialect == "postgres":
            cur.execute(POSTGRES, (prefix, SEEDED_AT, session_id, data, metadata, count))
            stamp = SEEDED_AT
        elif dialect == "sqlite":
            stamp = SEEDED_AT.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            cur.execute(SQLITE, (count, prefix, stamp, session_id, data, metadata))
        else:
            stamp = SEEDED_AT.strftime("%Y-%m-%d %H:%M:%S.%f")
            cur.execute(_mysql_insert(count), (prefix, stamp, session_id, data, metadata, count))
        cur.execute(COUNTER[dialect], (session_id, count, stamp))
        cur.execute("COMMIT")
    finally:
        cur.close()


def analyze(dialect: str, conn) -> None:
    """Fresh planner statistics after a bulk load, so plans do not change in the middle of a run
    (PostgreSQL's autovacuum would otherwise analyze at some random moment). SQLite is left as a
    user would have it: asm does not run ANALYZE there."""
    cur = conn.cursor()
    try:
        if dialect == "postgres":
            cur.execute("ANALYZE")
        elif dialect == "mysql":
            for table in ("asm_events", "asm_sessions", "asm_session_sequences", "sessions"):
                cur.execute(f"ANALYZE TABLE {table}")
                cur.fetchall()
    finally:
        cur.close()
