"""The floor on PostgreSQL: psycopg 3, one autocommit connection, positional parameters, and
asm's connection settings: UTC, and no server-side prepared statements (prepare_threshold=None,
asm's default, safe behind a transaction pooler; psycopg's own default prepares a statement
after 5 executions)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import psycopg

from bench.floor.columns import EVENT_COLUMNS, GRAPH_COLUMNS, SESSION_COLUMNS, dumps, event_values

# Bump the counter and insert at the new number in one statement: one round trip, atomic.
# A stored id fails on the primary key, which rolls the bump back (then we read the stored row).
APPEND_ONE = f"""
WITH seq AS (
    INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at)
    VALUES (%s, 1, %s)
    ON CONFLICT (session_id) DO UPDATE SET last_sequence = q.last_sequence + 1, updated_at = excluded.updated_at
    RETURNING last_sequence
)
INSERT INTO asm_events ({EVENT_COLUMNS})
SELECT %s, %s, %s, %s, %s, seq.last_sequence, %s::jsonb, %s::jsonb, %s, %s, %s FROM seq
RETURNING sequence_number"""

RESERVE = """
INSERT INTO asm_session_sequences AS q (session_id, last_sequence, updated_at) VALUES (%s, %s, %s)
ON CONFLICT (session_id) DO UPDATE SET last_sequence = q.last_sequence + excluded.last_sequence,
                                       updated_at = excluded.updated_at
RETURNING last_sequence"""

# A batch in one statement, one binary array per column (%b): without prepared statements an
# executemany has the server parse and plan every row's INSERT, and text arrays cost psycopg a
# quoting pass per element (bench/results/batch_append.md measured the forms). The numbers are
# the reserved block's, in input order.
INSERT_BATCH = f"""
INSERT INTO asm_events ({EVENT_COLUMNS})
SELECT u.id, u.type, u.timestamp, %s, u.run_id, %s + u.n, u.data::jsonb, u.metadata::jsonb, u.schema_version,
       u.provider, u.correlation_id
FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::int[], %b::text[],
            %b::text[])
     WITH ORDINALITY AS u(id, type, timestamp, run_id, data, metadata, schema_version, provider, correlation_id, n)"""

READ_AFTER = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = %s AND sequence_number > %s ORDER BY sequence_number LIMIT %s"""

# The latest n events: the index range read backwards, one statement; reversed in Python.
TAIL = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = %s ORDER BY sequence_number DESC LIMIT %s"""

SEARCH_WHERE = "agent_id = %s AND status = ANY(%s) AND deleted_at IS NULL"
SEARCH_PAGE = f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE {SEARCH_WHERE} ORDER BY updated_at DESC, id DESC LIMIT %s"
SEARCH_COUNT = f"SELECT count(*) FROM asm_sessions WHERE {SEARCH_WHERE}"

UPSERT_SESSION = f"""
INSERT INTO asm_sessions AS s ({SESSION_COLUMNS}) VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET agent_id = excluded.agent_id, status = excluded.status,
    parent_session_id = excluded.parent_session_id, metadata = excluded.metadata,
    context = excluded.context, tags = excluded.tags, updated_at = excluded.updated_at,
    deleted_at = COALESCE(excluded.deleted_at, s.deleted_at)"""

GET_SESSION = f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE id = %s"

# updated_at is the version a compare-and-set save checks: it must move forward on every write.
UPSERT_GRAPH = """
INSERT INTO sessions AS s (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s)
ON CONFLICT (id) DO UPDATE SET graph_id = excluded.graph_id, current_task_id = excluded.current_task_id,
    status_message = excluded.status_message, context = excluded.context,
    updated_at = GREATEST(excluded.updated_at, s.updated_at + INTERVAL '1 microsecond')
RETURNING created_at, updated_at"""

GET_GRAPH = f"SELECT {GRAPH_COLUMNS} FROM sessions WHERE id = %s"

STORED_NUMBER = "SELECT sequence_number FROM asm_events WHERE id = %s"


class PostgresFloor:
    def __init__(self, url):
        self.conn = psycopg.connect(url.conninfo(), autocommit=True, options="-c TimeZone=UTC",
                                    prepare_threshold=None)

    def append_one(self, e: dict) -> int:
        values = event_values(e, None)
        try:
            return self.conn.execute(APPEND_ONE, (e["session_id"], _now(), *values[:5], *values[6:])).fetchone()[0]
        except psycopg.errors.UniqueViolation:
            return self._stored_number(e["id"])

    def append_batch(self, events: list[dict]) -> list[int]:
        """A batch of one session's events: reserve a block of numbers, insert, one transaction."""
        session_id = events[0]["session_id"]
        with self.conn.transaction():
            last = self.conn.execute(RESERVE, (session_id, len(events), _now())).fetchone()[0]
            first = last - len(events) + 1
            self.conn.execute(INSERT_BATCH, batch_params(events, first))
        return list(range(first, last + 1))

    def read_after(self, session_id: str, after: int, limit: int) -> list:
        return self.conn.execute(READ_AFTER, (session_id, after, limit)).fetchall()

    def tail(self, session_id: str, n: int) -> list:
        rows = self.conn.execute(TAIL, (session_id, n)).fetchall()
        rows.reverse()
        return rows

    def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        rows = self.conn.execute(SEARCH_PAGE, (agent_id, statuses, limit + 1)).fetchall()
        total = self.conn.execute(SEARCH_COUNT, (agent_id, statuses)).fetchone()[0]
        return rows[:limit], total

    def save_session(self, s: dict) -> None:
        self.conn.execute(UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), s["created_at"], s["updated_at"], s["deleted_at"]))

    def get_session(self, id: str) -> tuple | None:
        return self.conn.execute(GET_SESSION, (id,)).fetchone()

    def graph_save(self, g: dict) -> tuple:
        now = _now()
        return self.conn.execute(UPSERT_GRAPH, (
            uuid.UUID(g["id"]), g["graph_id"], g["current_task_id"], g["status_message"],
            dumps(g["context"]), now, now)).fetchone()

    def graph_get(self, id: str) -> tuple | None:
        return self.conn.execute(GET_GRAPH, (uuid.UUID(id),)).fetchone()

    def close(self) -> None:
        self.conn.close()

    def _stored_number(self, id: str) -> int:
        return self.conn.execute(STORED_NUMBER, (id,)).fetchone()[0]


def batch_params(events: list[dict], first: int) -> tuple:
    """INSERT_BATCH's parameters: the session, the number before the first, then one list per column."""
    return (events[0]["session_id"], first - 1, [e["id"] for e in events], [e["type"] for e in events],
            [e["timestamp"] for e in events], [e["run_id"] for e in events], [dumps(e["data"]) for e in events],
            [dumps(e["metadata"]) for e in events], [e["schema_version"] for e in events],
            [e["provider"] for e in events], [e["correlation_id"] for e in events])


def _now() -> datetime:
    return datetime.now(timezone.utc)
