"""aiosql adapters for dict-row connections, registered under asm's own names.

aiosql's async adapters read a `$` value as row[0], which fails on dict rows, and aiosql
ships no async MySQL adapter: aiomysql (PyMySQL's protocol and escaping, asyncio I/O) gets
one here. On MySQL (PyMySQL and aiomysql) a `$` statement that returns no rows answers the
value it set with LAST_INSERT_ID(expr) (`_mysql_value`): MySQL has no RETURNING, and that is
how a counter hands out numbers in one round trip. On SQLite (sqlite3 and aiosqlite) a `*!`
plain INSERT runs in statements of many rows (`_sqlite_insert_many`). Importing this module
registers "asm-apsycopg", "asm-aiosqlite", "asm-sqlite3", "asm-aiomysql" and "asm-pymysql".
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from operator import attrgetter
from typing import Any

import aiosql
from aiosql.adapters.aiosqlite import AioSQLiteAdapter
from aiosql.adapters.apyformat import AsyncPyFormatAdapter
from aiosql.adapters.mysql import BrokenMySQLAdapter
from aiosql.adapters.sqlite3 import SQLite3Adapter


class _FirstColumnValue:
    async def select_value(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        row = await self.select_one(conn, query_name, sql, parameters)  # type: ignore[attr-defined]
        return None if row is None else next(iter(row.values()))


class AsyncPsycopgDictAdapter(_FirstColumnValue, AsyncPyFormatAdapter):
    pass


# sqlite3's executemany binds and steps its statement once per row; an INSERT of many rows costs
# about half as much per row (bench/results/batch_append.md). So a `*!` plain one-row INSERT ... VALUES
# (:a, :b, ...) runs as executemany of the same INSERT widened to these many rows, the widest
# that fits the rows left first, and of the one-row INSERT for the last few: a batch takes a few
# statements, each prepared once per query and width (sqlite3 caches them), where a statement
# of the batch's own size would be prepared again for most batches.
_WIDTHS = (256, 64, 16)
# The row of a one-row INSERT: VALUES, then only named parameters in parentheses, then no more
# parameters (an ON CONFLICT clause without any may follow).
_ONE_ROW = re.compile(r"\bVALUES\s*\((?P<names>\s*:\w+\s*(?:,\s*:\w+\s*)*)\)(?P<tail>[^:]*)$", re.I)


@functools.cache
def _one_row(sql: str) -> tuple[str, str, tuple[str, ...]] | None:
    """A plain one-row INSERT's text before its row and after it, and the names of the row's
    parameters in order; None for any other statement."""
    match = _ONE_ROW.search(sql)
    if match is None or not sql.lstrip().upper().startswith("INSERT"):
        return None
    return sql[:match.start("names") - 1], match["tail"], tuple(re.findall(r":(\w+)", match["names"]))


@functools.cache
def _widened(sql: str, width: int) -> str:
    """The plain one-row INSERT `sql` as the INSERT of `width` rows, with positional parameters."""
    head, tail, names = _one_row(sql) or ("", "", ())
    row = "(" + ", ".join("?" * len(names)) + ")"
    return head + ", ".join([row] * width) + tail


def _sqlite_insert_many(conn: sqlite3.Connection, sql: str, rows: Sequence[Any]) -> int:
    """executemany of `sql` over `rows` (dicts of its named parameters), in INSERTs of many rows
    where `sql` is a plain one-row INSERT; the rows changed."""
    plain = _one_row(sql)
    if (plain is None or not isinstance(rows, (list, tuple)) or len(rows) < _WIDTHS[-1]
            or not isinstance(rows[0], Mapping)):
        return conn.executemany(sql, rows).rowcount
    names = plain[2]
    most = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    changed = start = 0
    for width in _WIDTHS:
        end = start + (len(rows) - start) // width * width
        if end > start and width * len(names) <= most:
            changed += conn.executemany(_widened(sql, width), [
                [row[name] for row in rows[i:i + width] for name in names] for i in range(start, end, width)
            ]).rowcount
            start = end
    if start < len(rows):
        changed += conn.executemany(sql, rows[start:]).rowcount
    return changed


class SQLite3DictAdapter(SQLite3Adapter):
    """aiosql's sqlite3 adapter, with `*!` as `_sqlite_insert_many`."""

    def insert_update_delete_many(self, conn: Any, query_name: str, sql: str, parameters: Any) -> int:
        return _sqlite_insert_many(conn, sql, parameters)


def _on_cursor(conn: sqlite3.Connection, sql: str, parameters: Any, take: Callable[[sqlite3.Cursor], Any]) -> Any:
    """`take` of a cursor that ran `sql` (its rows, its row, its row count), the cursor closed."""
    cur = conn.execute(sql, parameters)
    try:
        return take(cur)
    finally:
        cur.close()


_ROWS, _ROW, _COUNT = sqlite3.Cursor.fetchall, sqlite3.Cursor.fetchone, attrgetter("rowcount")


class AioSQLiteDictAdapter(_FirstColumnValue, AioSQLiteAdapter):
    """aiosql's aiosqlite adapter, each statement in ONE trip to the connection's thread: its
    public calls take a trip each to execute, fetch and close (three for a `^`), and a trip
    costs more than a small SQLite statement. `_execute` and `_conn` are aiosqlite's own way to
    run a function on that thread (asm/drivers/sqlite.py runs its tuple reads the same way)."""

    async def select(self, conn: Any, query_name: str, sql: str, parameters: Any,
                     record_class: Callable[..., Any] | None = None) -> AsyncGenerator[Any, None]:
        for row in await conn._execute(_on_cursor, conn._conn, sql, parameters, _ROWS):
            yield row if record_class is None else record_class(**row)

    async def select_one(self, conn: Any, query_name: str, sql: str, parameters: Any,
                         record_class: Callable[..., Any] | None = None) -> Any:
        row = await conn._execute(_on_cursor, conn._conn, sql, parameters, _ROW)
        return row if row is None or record_class is None else record_class(**row)

    # aiosql's protocol says None; its adapters, and this one, return the row count.
    async def insert_update_delete(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        return await conn._execute(_on_cursor, conn._conn, sql, parameters, _COUNT)

    async def insert_update_delete_many(self, conn: Any, query_name: str, sql: str, parameters: Any) -> None:
        # No count, as aiosql's aiosqlite adapter.
        await conn._execute(_sqlite_insert_many, conn._conn, sql, parameters)


def _mysql_value(cur: Any, row: Any) -> Any:
    """`$` on MySQL: the first column of the first row, or None; for a statement that returns no
    rows (an INSERT that reserves numbers with LAST_INSERT_ID(expr): advance_sequence), the
    value it set, which the server reports with the row count (cursor.lastrowid), or None when
    it changed no row."""
    if cur.description is None:
        return cur.lastrowid if cur.rowcount > 0 else None
    if row is None:
        return None
    return row[0] if isinstance(row, (tuple, list)) else next(iter(row.values()))


class PyMySQLAdapter(BrokenMySQLAdapter):
    """aiosql's PyMySQL adapter, with MySQL's `$` (`_mysql_value`)."""

    def select_value(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        with conn.cursor() as cur:
            cur.execute(sql, parameters or None)
            return _mysql_value(cur, cur.fetchone() if cur.description else None)


class AioMySQLAdapter(AsyncPyFormatAdapter):
    """aiomysql connections have no execute(): every statement goes through a cursor.

    Empty parameters are passed as None, as aiosql's PyMySQL adapter does, so a literal % in
    a query without parameters is not taken for a placeholder. `$` as `_mysql_value`.
    """

    async def select_value(self, conn: Any, query_name: str, sql: str, parameters: Any) -> Any:
        async with conn.cursor() as cur:
            await cur.execute(sql, parameters or None)
            return _mysql_value(cur, await cur.fetchone() if cur.description else None)

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
aiosql.register_adapter("asm-sqlite3", SQLite3DictAdapter)
aiosql.register_adapter("asm-aiomysql", AioMySQLAdapter)
aiosql.register_adapter("asm-pymysql", PyMySQLAdapter)
