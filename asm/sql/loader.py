"""`queries(dialect)`: the aiosql `Queries` object of a dialect, the one asm's store runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload


from asm.arguments import flag
from asm.errors import ValidationError
from asm.sql.files import load_queries

if TYPE_CHECKING:
    from asm.sql.typed.mysql import AsyncMySQLQueries, MySQLQueries
    from asm.sql.typed.postgres import AsyncPostgresQueries, PostgresQueries
    from asm.sql.typed.sqlite import AsyncSQLiteQueries, SQLiteQueries

DIALECT_NAMES = ("postgres", "sqlite", "mysql")


@overload
def queries(dialect: Literal["postgres"], *, asynchronous: Literal[False] = False) -> PostgresQueries: ...
@overload
def queries(dialect: Literal["postgres"], *, asynchronous: Literal[True]) -> AsyncPostgresQueries: ...
@overload
def queries(dialect: Literal["sqlite"], *, asynchronous: Literal[False] = False) -> SQLiteQueries: ...
@overload
def queries(dialect: Literal["sqlite"], *, asynchronous: Literal[True]) -> AsyncSQLiteQueries: ...
@overload
def queries(dialect: Literal["mysql"], *, asynchronous: Literal[False] = False) -> MySQLQueries: ...
@overload
def queries(dialect: Literal["mysql"], *, asynchronous: Literal[True]) -> AsyncMySQLQueries: ...
@overload
def queries(dialect: str, *, asynchronous: bool = False) -> Any: ...


def queries(dialect: str, *, asynchronous: bool = False) -> Any:
    """Every named query of `dialect` ("postgres", "sqlite" or "mysql") as aiosql functions:
    `queries("sqlite").get_session(conn, id=...)`.

    Sync functions take a connection of psycopg, sqlite3 or PyMySQL; with `asynchronous=True`,
    of psycopg's AsyncConnection, aiosqlite or aiomysql. Either way the connection must return
    rows as dicts (see the `asm.sql` docstring). The object is the one asm's own store uses,
    loaded once per process. Its static type is the dialect's Protocol in `asm.sql.typed`, so a
    type checker knows each function's parameters and rows.
    """
    if dialect not in DIALECT_NAMES:
        raise ValidationError(f"unknown dialect {dialect!r}: expected one of {', '.join(DIALECT_NAMES)}",
                              details={"field": "dialect"})
    flag(asynchronous, "asynchronous")
    # The executors load through the same cache, by their driver's adapter: one object each.
    return load_queries(dialect, adapter_name(dialect, asynchronous))


def adapter_name(dialect: str, asynchronous: bool) -> str:
    """The aiosql adapter asm's drivers register for a dialect and API."""
    # Imported here: the drivers are loaded only when needed.
    if asynchronous:
        from asm.drivers import ASYNC_DRIVERS

        name: str = ASYNC_DRIVERS[dialect].aiosql_adapter
        return name
    from asm.drivers import SYNC_DRIVERS

    return SYNC_DRIVERS[dialect].aiosql_adapter

