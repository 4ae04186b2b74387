"""The floor on MySQL/MariaDB for the async API: aiomysql (PyMySQL's protocol on asyncio) with the
sync floor's statements and settings (bench/floor/mysql.py: one autocommit connection at READ
COMMITTED, explicit transactions, the reserved number from LAST_INSERT_ID(expr))."""

from __future__ import annotations

from typing import Any

import aiomysql

from bench.floor import mysql as sql
from bench.floor.columns import decode_json_columns, dumps, event_values
from bench.floor.mysql import _now, _ts


class AsyncMySQLFloor:
    def __init__(self, conn: Any, cur: Any):
        self.conn, self.cur = conn, cur

    @classmethod
    async def open(cls, url) -> AsyncMySQLFloor:
        conn = await aiomysql.connect(
            host=url.host or "localhost", port=url.port or 3306, user=url.user or "root",
            password=url.password or "", db=url.database, charset="utf8mb4", autocommit=True,
            init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return cls(conn, await conn.cursor())

    async def append_one(self, e: dict) -> int:
        return (await self.append_batch([e]))[0]

    async def append_batch(self, events: list[dict]) -> list[int]:
        """As the sync floor: BEGIN, reserve a block of numbers, insert, COMMIT."""
        cur = self.cur
        await cur.execute("BEGIN")
        try:
            await cur.execute(sql.RESERVE, (events[0]["session_id"], len(events), _ts(_now())))
            last = cur.lastrowid
            first = last - len(events) + 1
            if len(events) == 1:
                await cur.execute(sql.INSERT_EVENT, event_values(events[0], first, _ts))
            else:  # aiomysql, as PyMySQL, sends one multi-row INSERT
                await cur.executemany(sql.INSERT_EVENT, [event_values(e, first + i, _ts) for i, e in enumerate(events)])
            await cur.execute("COMMIT")
        except aiomysql.IntegrityError:
            await cur.execute("ROLLBACK")
            return await self._append_new_only(events)
        except BaseException:
            await cur.execute("ROLLBACK")
            raise
        return list(range(first, last + 1))

    async def read_after(self, session_id: str, after: int, limit: int) -> list:
        return decode_json_columns(await self._all(sql.READ_AFTER, (session_id, after, limit)), sql.EVENT_JSON)

    async def tail(self, session_id: str, n: int) -> list:
        rows = await self._all(sql.TAIL, (session_id, n))
        return decode_json_columns(rows[::-1], sql.EVENT_JSON)  # aiomysql rows: a tuple

    async def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        where = sql.SEARCH_WHERE.format(", ".join(["%s"] * len(statuses)))
        rows = await self._all(
            f"SELECT {sql.SESSION_COLUMNS} FROM asm_sessions WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT %s",
            (agent_id, *statuses, limit + 1))
        total = (await self._all(f"SELECT count(*) FROM asm_sessions WHERE {where}", (agent_id, *statuses)))[0][0]
        return decode_json_columns(rows[:limit], sql.SESSION_JSON), total

    async def save_session(self, s: dict) -> None:
        await self.cur.execute(sql.UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), _ts(s["created_at"]), _ts(s["updated_at"]),
            _ts(s["deleted_at"])))

    async def get_session(self, id: str) -> list | None:
        rows = await self._all(sql.GET_SESSION, (id,))
        return decode_json_columns(rows, sql.SESSION_JSON)[0] if rows else None

    async def graph_save(self, g: dict) -> Any:
        now = _ts(_now())
        cur = self.cur
        await cur.execute("BEGIN")
        try:
            await cur.execute(sql.UPSERT_GRAPH, (g["id"], g["graph_id"], g["current_task_id"], g["status_message"],
                                                 dumps(g["context"]), now, now))
            version = (await self._all(sql.GRAPH_VERSION, (g["id"],)))[0]
            await cur.execute("COMMIT")
        except BaseException:
            await cur.execute("ROLLBACK")
            raise
        return version

    async def graph_get(self, id: str) -> list | None:
        rows = await self._all(sql.GET_GRAPH, (id,))
        return decode_json_columns(rows, (4,))[0] if rows else None

    async def close(self) -> None:
        await self.cur.close()
        self.conn.close()

    async def _all(self, query: str, params: tuple) -> Any:
        await self.cur.execute(query, params)
        return await self.cur.fetchall()

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
