"""The floor on SQLite for the async API: aiosqlite (sqlite3 on a thread of its own) with the sync
floor's statements and settings (bench/floor/sqlite.py: explicit transactions, WAL,
synchronous=NORMAL). Reads use `execute_fetchall`: one hop to the driver's thread per statement."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite

from bench.floor import sqlite as sql
from bench.floor.columns import decode_json_columns, dumps, event_values
from bench.floor.sqlite import _now, _ts


class AsyncSQLiteFloor:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    @classmethod
    async def open(cls, url) -> AsyncSQLiteFloor:
        conn = await aiosqlite.connect(url.database, isolation_level=None, timeout=30.0)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    async def append_one(self, e: dict) -> int:
        return (await self.append_batch([e]))[0]

    async def append_batch(self, events: list[dict]) -> list[int]:
        """As the sync floor: BEGIN IMMEDIATE, reserve a block of numbers, insert, COMMIT."""
        conn = self.conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            last = (await self._all(sql.RESERVE, (events[0]["session_id"], len(events), _ts(_now()))))[0][0]
            first = last - len(events) + 1
            if len(events) == 1:
                await conn.execute(sql.INSERT_EVENT, event_values(events[0], first, _ts))
            else:
                rows = [event_values(e, first + i, _ts) for i, e in enumerate(events)]
                await conn.executemany(sql.INSERT_EVENT, rows)
            await conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            await conn.execute("ROLLBACK")
            return await self._append_new_only(events)
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return list(range(first, last + 1))

    async def read_after(self, session_id: str, after: int, limit: int) -> list:
        return decode_json_columns(await self._all(sql.READ_AFTER, (session_id, after, limit)), sql.EVENT_JSON)

    async def tail(self, session_id: str, n: int) -> list:
        rows = await self._all(sql.TAIL, (session_id, n))
        rows.reverse()
        return decode_json_columns(rows, sql.EVENT_JSON)

    async def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        where = sql.SEARCH_WHERE.format(", ".join("?" * len(statuses)))
        rows = await self._all(
            f"SELECT {sql.SESSION_COLUMNS} FROM asm_sessions WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT ?",
            (agent_id, *statuses, limit + 1))
        total = (await self._all(f"SELECT count(*) FROM asm_sessions WHERE {where}", (agent_id, *statuses)))[0][0]
        return decode_json_columns(rows[:limit], sql.SESSION_JSON), total

    async def save_session(self, s: dict) -> None:
        await self.conn.execute(sql.UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), _ts(s["created_at"]), _ts(s["updated_at"]),
            _ts(s["deleted_at"])))

    async def get_session(self, id: str) -> list | None:
        rows = await self._all(sql.GET_SESSION, (id,))
        return decode_json_columns(rows, sql.SESSION_JSON)[0] if rows else None

    async def graph_save(self, g: dict) -> Any:
        now = _ts(_now())
        return (await self._all(sql.UPSERT_GRAPH, (
            g["id"], g["graph_id"], g["current_task_id"], g["status_message"], dumps(g["context"]), now, now)))[0]

    async def graph_get(self, id: str) -> list | None:
        rows = await self._all(sql.GET_GRAPH, (id,))
        return decode_json_columns(rows, (4,))[0] if rows else None

    async def close(self) -> None:
        await self.conn.close()

    async def _all(self, query: str, params: tuple) -> list:
        return await self.conn.execute_fetchall(query, params)  # a list (sqlite3 fetchall)

    async def _append_new_only(self, events: list[dict]) -> list[int]:
        """The rare path: some ids are stored already; append the others, report the stored numbers."""
        numbers = {}
        for e in events:
            rows = await self._all(sql.STORED_NUMBER, (e["id"],))
            if rows:
                numbers[e["id"]] = rows[0][0]
        new = [e for e in events if e["id"] not in numbers]
        if new:
            numbers.update(zip([e["id"] for e in new], await self.append_batch(new), strict=True))
        return [numbers[e["id"]] for e in events]
