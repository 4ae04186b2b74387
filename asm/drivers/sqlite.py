"""SQLite through the standard library's sqlite3 (sync) and aiosqlite (async): pooled
connections in WAL mode, and the classification of sqlite3's errors."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from asm.core.operation import Rows
from asm.drivers import kinds
from asm.drivers.async_pool import AsyncSimplePool
from asm.drivers.base import close, execute_on_cursor, rows_of
from asm.drivers.pool import SimplePool
from asm.drivers.urls import DatabaseURL

if TYPE_CHECKING:
    import aiosqlite

BUSY_TIMEOUT_S = 30.0


def dict_row_factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    """sqlite3's row factory for rows as dicts keyed by column name, as asm's queries read them."""
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


class _Connection(sqlite3.Connection):
    """asm's sqlite3 connections: they keep a cursor that fetches tuples, for the hot reads
    (a connection serves one caller at a time, its pool sees to that)."""

    tuple_cursor: sqlite3.Cursor | None = None


class Driver:
    # aiosql's sqlite3 adapter, `*!` INSERTs in statements of many rows (asm/sql/adapters.py).
    aiosql_adapter = "asm-sqlite3"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None) -> SimplePool:
        """A pool of asm's own (see pool.py); `prepare_threshold` is PostgreSQL's and ignored here."""
        path = url.database or ""
        memory = url.is_memory

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S,
                                   factory=_Connection)
            conn.row_factory = dict_row_factory
            if not memory:
                conn.execute("PRAGMA journal_mode=WAL")
                # Durable across process crashes; WAL keeps the file consistent on power loss.
                conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        # One in-memory database per connection: the pool must hand out the same one.
        return SimplePool(connect, close, max_size=1 if memory else max_size, timeout=timeout)

    def execute(self, conn: Any, sql: str) -> None:
        execute_on_cursor(conn, sql)

    def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """A query's rows as tuples (the connections make dicts by default)."""
        return _fetch_tuples(conn, sql, params)


class AsyncDriver:
    aiosql_adapter = "asm-aiosqlite"

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10,
                        timeout: float = 30.0, prepare_threshold: int | None = None) -> AsyncSimplePool:
        """As the sync driver's."""
        import aiosqlite  # here: `import asm` should not pay for the async driver

        path = url.database or ""
        memory = url.is_memory

        async def connect() -> aiosqlite.Connection:
            conn = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S, factory=_Connection)
            conn.row_factory = dict_row_factory  # type: ignore[assignment]  # typeshed wants a Row type
            if not memory:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        async def close_async(conn: aiosqlite.Connection) -> None:
            await conn.close()

        return AsyncSimplePool(connect, close_async, max_size=1 if memory else max_size, timeout=timeout)

    async def execute(self, conn: Any, sql: str) -> None:
        await conn.execute(sql)

    async def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """As the sync driver's, in one trip to the connection's thread (aiosqlite's public
        calls take three: execute, fetchall, close). `_execute` and `_conn` are aiosqlite's own
        way to run a function there; the contract tests run this on every async read."""
        rows: Rows = await conn._execute(_fetch_tuples, conn._conn, sql, params)
        return rows


def _fetch_tuples(conn: Any, sql: str, params: Any) -> Rows:
    """A query's rows as tuples, through the cursor the connection keeps for them."""
    cur = conn.tuple_cursor
    if cur is None:
        cur = conn.tuple_cursor = conn.cursor()
        cur.row_factory = None
    cur.execute(sql, params)
    return rows_of(sql, cur, cur.fetchall())


def classify(exc: BaseException) -> str | None:
    """The kind (asm.drivers.kinds) of a sqlite3 error (aiosqlite raises sqlite3's); None for any other."""
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return kinds.CONFLICT
    if "no such table" in text or "no such column" in text or "has no column" in text:
        return kinds.SCHEMA
    if "locked" in text or "busy" in text:
        return kinds.TRANSIENT
    if "unable to open" in text or "closed database" in text or "disk i/o" in text:
        return kinds.CONNECTION
    return kinds.OTHER
