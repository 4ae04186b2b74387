"""The floor on SQLite: the stdlib sqlite3, one connection, explicit transactions, WAL as asm sets it."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from bench.floor.columns import (
    EVENT_COLUMNS,
    GRAPH_COLUMNS,
    SESSION_COLUMNS,
    decode_json_columns,
    dumps,
    event_values,
)

# Reserve numbers on the counter row and hand back the last one (SQLite has RETURNING since 3.35).
RESERVE = """
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES (?, ?, ?)
ON CONFLICT (session_id) DO UPDATE SET last_sequence = last_sequence + excluded.last_sequence,
                                       updated_at = excluded.updated_at
RETURNING last_sequence"""

INSERT_EVENT = f"INSERT INTO asm_events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

READ_AFTER = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = ? AND sequence_number > ? ORDER BY sequence_number LIMIT ?"""
EVENT_JSON = (6, 7)

# The latest n events: the index range read backwards, one statement; reversed in Python.
TAIL = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = ? ORDER BY sequence_number DESC LIMIT ?"""

SEARCH_WHERE = "agent_id = ? AND status IN ({}) AND deleted_at IS NULL"
SESSION_JSON = (4, 5, 6)

UPSERT_SESSION = f"""
INSERT INTO asm_sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET agent_id = excluded.agent_id, status = excluded.status,
    parent_session_id = excluded.parent_session_id, metadata = excluded.metadata,
    context = excluded.context, tags = excluded.tags, updated_at = excluded.updated_at,
    deleted_at = COALESCE(excluded.deleted_at, asm_sessions.deleted_at)"""

GET_SESSION = f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE id = ?"

UPSERT_GRAPH = """
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET graph_id = excluded.graph_id, current_task_id = excluded.current_task_id,
    status_message = excluded.status_message, context = excluded.context,
    updated_at = max(excluded.updated_at, sessions.updated_at)
RETURNING created_at, updated_at"""

GET_GRAPH = f"SELECT {GRAPH_COLUMNS} FROM sessions WHERE id = ?"

STORED_NUMBER = "SELECT sequence_number FROM asm_events WHERE id = ?"


class SQLiteFloor:
    def __init__(self, url):
        self.conn = sqlite3.connect(url.database, isolation_level=None, timeout=30.0)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def append_one(self, e: dict) -> int:
        return self.append_batch([e])[0]

    def append_batch(self, events: list[dict]) -> list[int]:
        """Events of one session: reserve a block of numbers and insert, in one write transaction.
        BEGIN IMMEDIATE takes the write lock up front, so two writers cannot deadlock upgrading."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(RESERVE, (events[0]["session_id"], len(events), _ts(_now()))).fetchone()[0]
            first = last - len(events) + 1
            if len(events) == 1:
                conn.execute(INSERT_EVENT, event_values(events[0], first, _ts))
            else:
                conn.executemany(INSERT_EVENT, [event_values(e, first + i, _ts) for i, e in enumerate(events)])
            conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return self._append_new_only(events)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return list(range(first, last + 1))

    def read_after(self, session_id: str, after: int, limit: int) -> list:
        rows = self.conn.execute(READ_AFTER, (session_id, after, limit)).fetchall()
        return decode_json_columns(rows, EVENT_JSON)

    def tail(self, session_id: str, n: int) -> list:
        rows = self.conn.execute(TAIL, (session_id, n)).fetchall()
        rows.reverse()
        return decode_json_columns(rows, EVENT_JSON)

    def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        where = SEARCH_WHERE.format(", ".join("?" * len(statuses)))
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT ?",
            (agent_id, *statuses, limit + 1)).fetchall()
        total = self.conn.execute(f"SELECT count(*) FROM asm_sessions WHERE {where}", (agent_id, *statuses)).fetchone()[0]
        return decode_json_columns(rows[:limit], SESSION_JSON), total

    def save_session(self, s: dict) -> None:
        self.conn.execute(UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), _ts(s["created_at"]), _ts(s["updated_at"]),
            _ts(s["deleted_at"])))

    def get_session(self, id: str) -> list | None:
        rows = self.conn.execute(GET_SESSION, (id,)).fetchall()
        return decode_json_columns(rows, SESSION_JSON)[0] if rows else None

    def graph_save(self, g: dict) -> tuple:
        now = _ts(_now())
        return self.conn.execute(UPSERT_GRAPH, (
            g["id"], g["graph_id"], g["current_task_id"], g["status_message"], dumps(g["context"]), now, now,
        )).fetchone()

    def graph_get(self, id: str) -> list | None:
        rows = self.conn.execute(GET_GRAPH, (id,)).fetchall()
        return decode_json_columns(rows, (4,))[0] if rows else None

    def close(self) -> None:
        self.conn.close()

    def _append_new_only(self, events: list[dict]) -> list[int]:
        """The rare path: some ids are stored already; append the others, report the stored numbers."""
        numbers = {}
        for e in events:
            row = self.conn.execute(STORED_NUMBER, (e["id"],)).fetchone()
            if row:
                numbers[e["id"]] = row[0]
        new = [e for e in events if e["id"] not in numbers]
        if new:
            numbers.update(zip([e["id"] for e in new], self.append_batch(new), strict=True))
        return [numbers[e["id"]] for e in events]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ts(value: datetime | None) -> str | None:
    """asm's SQLite timestamp form: fixed-width UTC text, so text order is time order."""
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
