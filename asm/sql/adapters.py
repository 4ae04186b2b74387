"""Async aiosql adapters for dict-row connections, registered under asm's own names.

aiosql's async adapters read a `$` value as row[0], which fails on dict rows, and aiosql
ships no async MySQL adapter: aiomysql (PyMySQL's protocol and escaping, asyncio I/O) gets
one here. Importing this module registers "asm-apsycopg", "asm-aiosqlite" and "asm-aiomysql".
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosql
from aiosql.adapters.aiosqlite import AioSQLiteAdapter
from aiosql.adapters.apyformat import AsyncPyFormatAdapter


class _FirstColumnValue:
    async def select_value(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        row = await self.select_one(conn, query_name, sql, parameters)  # type: ignore[attr-defined]
        return None if row is None else next(iter(row.values()))


class AsyncPsycopgDictAdapter(_FirstColumnValue, AsyncPyFormatAdapter):
    pass


class AioSQLiteDictAdapter(_FirstColumnValue, AioSQLiteAdapter):
    pass


class AioMySQLAdapter(_FirstColumnValue, AsyncPyFormatAdapter):
    """aiomysql connections have no execute(): every statement goes through a cursor.

    Empty parameters are passed as None, as aiosql's PyMySQL adapter does, so a literal % in
    a query without parameters is not taken for a placeholder.
    """

    async def select(self, conn: Any, query_name: str, sql: str, parameters: dict[str, Any] | list[Any] | None,
                     record_class: Callable[..., Any] | None = None) -> AsyncGenerator[Any, None]:
        async with conn.cursor() as cur:
            await cur.execute(sql, parameters or None)
            for row in await cur.fetchall():
                yield row

    async def select_one(self, conn: Any, query_name: str, sql: str, parameters: Any,
                         record_class: Callable[..., Any] | None = None) -> Any:
        async with conn.cursor() as cur:
            await cur.execute(sql, parameters or None)
            return await cur.fetchone()

    @asynccontextmanager
    async def select_cursor(self, conn: Any, query_name: str, sql: str, parameters: Any) -> AsyncIterator[Any]:
        async with conn.cursor() as cur:
            await cur.execute(sql, parameters or None)
            yield cur

    async def insert_returning(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        return await self.select_one(conn, query_name, sql, parameters)

    # aiosql's protocol says these return None; its adapters, and this one, return the row count.
    async def insert_update_delete(  # type: ignore[override]
            self, conn: Any, query_name: str, sql: str, parameters: Any) -> int:
        async with conn.cursor() as cur:
            count: int = await cur.execute(sql, parameters or None)
            return count

    async def insert_update_delete_many(  # type: ignore[override]
            self, conn: Any, query_name: str, sql: str, parameters: Any) -> int | None:
        async with conn.cursor() as cur:
            count: int | None = await cur.executemany(sql, parameters)
            return count

    async def execute_script(self, conn: Any, sql: str) -> str:
        async with conn.cursor() as cur:
            await cur.execute(sql)
        return "DONE"


aiosql.register_adapter("asm-apsycopg", AsyncPsycopgDictAdapter)
aiosql.register_adapter("asm-aiosqlite", AioSQLiteDictAdapter)
aiosql.register_adapter("asm-aiomysql", AioMySQLAdapter)
