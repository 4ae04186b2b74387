"""The floor on MySQL/MariaDB: PyMySQL, one autocommit connection at READ COMMITTED (as asm runs),
explicit transactions."""

from __future__ import annotations

from datetime import datetime, timezone

import pymysql

from bench.floor.columns import (
    EVENT_COLUMNS,
    GRAPH_COLUMNS,
    SESSION_COLUMNS,
    decode_json_columns,
    dumps,
    event_values,
)

# Reserve numbers on the counter row, locking it until COMMIT. LAST_INSERT_ID(expr) is MySQL's
# sequence idiom: the server reports the new value in the OK packet (cursor.lastrowid), so no
# SELECT round trip is needed to learn it.
RESERVE = """
INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES (%s, LAST_INSERT_ID(%s), %s)
ON DUPLICATE KEY UPDATE last_sequence = LAST_INSERT_ID(last_sequence + VALUES(last_sequence)),
                        updated_at = VALUES(updated_at)"""

INSERT_EVENT = f"INSERT INTO asm_events ({EVENT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

READ_AFTER = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = %s AND sequence_number > %s ORDER BY sequence_number LIMIT %s"""
EVENT_JSON = (6, 7)

# The latest n events: the index range read backwards, one statement; reversed in Python.
TAIL = f"""SELECT {EVENT_COLUMNS} FROM asm_events
WHERE session_id = %s ORDER BY sequence_number DESC LIMIT %s"""

SEARCH_WHERE = "agent_id = %s AND status IN ({}) AND deleted_at IS NULL"
SESSION_JSON = (4, 5, 6)

UPSERT_SESSION = f"""
INSERT INTO asm_sessions ({SESSION_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON DUPLICATE KEY UPDATE agent_id = VALUES(agent_id), status = VALUES(status),
    parent_session_id = VALUES(parent_session_id), metadata = VALUES(metadata),
    context = VALUES(context), tags = VALUES(tags), updated_at = VALUES(updated_at),
    deleted_at = COALESCE(VALUES(deleted_at), deleted_at)"""

GET_SESSION = f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE id = %s"

# No RETURNING: read the new version back inside the same transaction.
UPSERT_GRAPH = """
INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON DUPLICATE KEY UPDATE graph_id = VALUES(graph_id), current_task_id = VALUES(current_task_id),
    status_message = VALUES(status_message), context = VALUES(context),
    updated_at = GREATEST(VALUES(updated_at), updated_at + INTERVAL 1 MICROSECOND)"""
GRAPH_VERSION = "SELECT created_at, updated_at FROM sessions WHERE id = %s"

GET_GRAPH = f"SELECT {GRAPH_COLUMNS} FROM sessions WHERE id = %s"

STORED_NUMBER = "SELECT sequence_number FROM asm_events WHERE id = %s"


class MySQLFloor:
    def __init__(self, url):
        self.conn = pymysql.connect(
            host=url.host or "localhost", port=url.port or 3306, user=url.user or "root",
            password=url.password or "", database=url.database, charset="utf8mb4", autocommit=True,
            init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        self.cur = self.conn.cursor()

    def append_one(self, e: dict) -> int:
        return self.append_batch([e])[0]

    def append_batch(self, events: list[dict]) -> list[int]:
        """Events of one session: reserve a block of numbers and insert, in one transaction."""
        cur = self.cur
        cur.execute("BEGIN")
        try:
            cur.execute(RESERVE, (events[0]["session_id"], len(events), _ts(_now())))
            last = cur.lastrowid
            first = last - len(events) + 1
            if len(events) == 1:
                cur.execute(INSERT_EVENT, event_values(events[0], first, _ts))
            else:  # PyMySQL sends one multi-row INSERT
                cur.executemany(INSERT_EVENT, [event_values(e, first + i, _ts) for i, e in enumerate(events)])
            cur.execute("COMMIT")
        except pymysql.err.IntegrityError:
            cur.execute("ROLLBACK")
            return self._append_new_only(events)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return list(range(first, last + 1))

    def read_after(self, session_id: str, after: int, limit: int) -> list:
        self.cur.execute(READ_AFTER, (session_id, after, limit))
        return decode_json_columns(self.cur.fetchall(), EVENT_JSON)

    def tail(self, session_id: str, n: int) -> list:
        self.cur.execute(TAIL, (session_id, n))
        return decode_json_columns(self.cur.fetchall()[::-1], EVENT_JSON)  # PyMySQL rows: a tuple

    def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        where = SEARCH_WHERE.format(", ".join(["%s"] * len(statuses)))
        self.cur.execute(
            f"SELECT {SESSION_COLUMNS} FROM asm_sessions WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT %s",
            (agent_id, *statuses, limit + 1))
        rows = self.cur.fetchall()
        self.cur.execute(f"SELECT count(*) FROM asm_sessions WHERE {where}", (agent_id, *statuses))
        total = self.cur.fetchone()[0]
        return decode_json_columns(rows[:limit], SESSION_JSON), total

    def save_session(self, s: dict) -> None:
        self.cur.execute(UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), _ts(s["created_at"]), _ts(s["updated_at"]),
            _ts(s["deleted_at"])))

    def get_session(self, id: str) -> list | None:
        self.cur.execute(GET_SESSION, (id,))
        rows = self.cur.fetchall()
        return decode_json_columns(rows, SESSION_JSON)[0] if rows else None

    def graph_save(self, g: dict) -> tuple:
        now = _ts(_now())
        cur = self.cur
        cur.execute("BEGIN")
        try:
            cur.execute(UPSERT_GRAPH, (g["id"], g["graph_id"], g["current_task_id"], g["status_message"],
                                       dumps(g["context"]), now, now))
            cur.execute(GRAPH_VERSION, (g["id"],))
            version = cur.fetchone()
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return version

    def graph_get(self, id: str) -> list | None:
        self.cur.execute(GET_GRAPH, (id,))
        rows = self.cur.fetchall()
        return decode_json_columns(rows, (4,))[0] if rows else None

    def close(self) -> None:
        self.conn.close()

    def _append_new_only(self, events: list[dict]) -> list[int]:
        """The rare path: some ids are stored already; append the others, report the stored numbers."""
        numbers = {}
        for e in events:
            self.cur.execute(STORED_NUMBER, (e["id"],))
            row = self.cur.fetchone()
            if row:
                numbers[e["id"]] = row[0]
        new = [e for e in events if e["id"] not in numbers]
        if new:
            numbers.update(zip([e["id"] for e in new], self.append_batch(new), strict=True))
        return [numbers[e["id"]] for e in events]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ts(value: datetime | None) -> str | None:
    """DATETIME(6) holding UTC, as asm stores it."""
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
