"""The floor on PostgreSQL for the async API: psycopg's AsyncConnection with the sync floor's
statements and settings (bench/floor/postgres.py: one autocommit connection, UTC, no prepared
statements), every operation of `python -m bench` awaited."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import psycopg

from bench.floor import postgres as sql
from bench.floor.columns import dumps, event_values


class AsyncPostgresFloor:
    def __init__(self, conn: psycopg.AsyncConnection[Any]):
        self.conn = conn

    @classmethod
    async def open(cls, url) -> AsyncPostgresFloor:
        return cls(await psycopg.AsyncConnection.connect(url.conninfo(), autocommit=True, options="-c TimeZone=UTC",
                                                         prepare_threshold=None))

    async def append_one(self, e: dict) -> int:
        values = event_values(e, None)
        try:
            cur = await self.conn.execute(sql.APPEND_ONE, (e["session_id"], _now(), *values[:5], *values[6:]))
            return (await cur.fetchone())[0]
        except psycopg.errors.UniqueViolation:
            return await self._one(sql.STORED_NUMBER, (e["id"],))

    async def append_batch(self, events: list[dict]) -> list[int]:
        async with self.conn.transaction():
            last = await self._one(sql.RESERVE, (events[0]["session_id"], len(events), _now()))
            first = last - len(events) + 1
            await self.conn.execute(sql.INSERT_BATCH, sql.batch_params(events, first))
        return list(range(first, last + 1))

    async def read_after(self, session_id: str, after: int, limit: int) -> list:
        return await self._all(sql.READ_AFTER, (session_id, after, limit))

    async def tail(self, session_id: str, n: int) -> list:
        rows = await self._all(sql.TAIL, (session_id, n))
        rows.reverse()
        return rows

    async def search_page(self, agent_id: str, statuses: list[str], limit: int) -> tuple[list, int]:
        rows = await self._all(sql.SEARCH_PAGE, (agent_id, statuses, limit + 1))
        return rows[:limit], await self._one(sql.SEARCH_COUNT, (agent_id, statuses))

    async def save_session(self, s: dict) -> None:
        await self.conn.execute(sql.UPSERT_SESSION, (
            s["id"], s["agent_id"], s["status"], s["parent_session_id"], dumps(s["metadata"]),
            dumps(s["context"]), dumps(s["tags"]), s["created_at"], s["updated_at"], s["deleted_at"]))

    async def get_session(self, id: str) -> tuple | None:
        return await (await self.conn.execute(sql.GET_SESSION, (id,))).fetchone()

    async def graph_save(self, g: dict) -> tuple | None:
        now = _now()
        cur = await self.conn.execute(sql.UPSERT_GRAPH, (
            uuid.UUID(g["id"]), g["graph_id"], g["current_task_id"], g["status_message"],
            dumps(g["context"]), now, now))
        return await cur.fetchone()

    async def graph_get(self, id: str) -> tuple | None:
        return await (await self.conn.execute(sql.GET_GRAPH, (uuid.UUID(id),))).fetchone()

    async def close(self) -> None:
        await self.conn.close()

    async def _one(self, query: str, params: tuple) -> Any:
        return (await (await self.conn.execute(query, params)).fetchone())[0]

    async def _all(self, query: str, params: tuple) -> list:
        return await (await self.conn.execute(query, params)).fetchall()


def _now() -> datetime:
    return datetime.now(timezone.utc)
