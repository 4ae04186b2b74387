"""What every driver offers the executors: a pool of connections, and raw statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from asm.core.operation import Rows
from asm.drivers.urls import DatabaseURL


class SyncDriver(Protocol):
    """A DB-API driver for the sync executor (psycopg, sqlite3, PyMySQL)."""

    # The aiosql adapter its connections take (asm.sql.queries loads the SQL for it).
    aiosql_adapter: str

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None) -> Any:
        """A pool whose `connection()` context manager hands out autocommit connections."""
        ...

    def execute(self, conn: Any, sql: str) -> None:
        """One raw statement (transaction control, migrations of an in-memory database)."""
        ...

    def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """A query's rows as tuples, with the cursor's description (a `Call(tuples=True)`)."""
        ...


class AsyncDriver(Protocol):
    """An asyncio driver for the async executor (psycopg, aiosqlite, aiomysql)."""

    aiosql_adapter: str

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10,
                        timeout: float = 30.0, prepare_threshold: int | None = None) -> Any:
        ...

    async def execute(self, conn: Any, sql: str) -> None:
        ...

    async def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        ...


def execute_on_cursor(conn: Any, sql: str) -> None:
    """One raw statement on a DB-API connection, through a cursor closed at once."""
    cur = conn.cursor()
    try:
        cur.execute(sql)
    finally:
        cur.close()


def close(conn: Any) -> None:
    conn.close()


# The column names of each query's rows, by its SQL text: a statement's columns never change,
# and reading a cursor's description builds objects (psycopg) on every access.
_COLUMNS: dict[str, tuple[str, ...]] = {}


def rows_of(sql: str, cursor: Any, data: Sequence[tuple[Any, ...]]) -> Rows:
    """`Rows` of the tuples `cursor` fetched for `sql`; its description is read the first time only."""
    columns = _COLUMNS.get(sql)
    if columns is None:
        columns = _COLUMNS[sql] = tuple(column[0] for column in cursor.description or ())
    return Rows(columns, data)
