"""Opening pooled async connections per dialect (the async twin of sync_drivers.py)."""

from __future__ import annotations

from typing import Any

import aiomysql
import aiosqlite
import psycopg
import psycopg_pool

import asm.db.aiosql_adapters  # noqa: F401 - registers the asm-* adapters
from asm.db.async_pool import AsyncSimplePool
from asm.db.liveness import aiomysql_alive, postgres_suspect
from asm.db.sync_drivers import (
    MYSQL_QUIET_NOTES,
    SQLITE_BUSY_TIMEOUT_S,
    dict_row_factory,
    mysql_options,
    postgres_pool_options,
    postgres_settings,
)
from asm.db.urls import DatabaseURL


class AsyncPostgresDriver:
    aiosql_adapter = "asm-apsycopg"

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                        prepare_threshold: int | None = None):
        """As the sync driver's: `prepare_threshold` None (the default) never prepares."""
        options = postgres_pool_options(url, min_size, max_size, timeout, prepare_threshold)
        # As in the sync driver: fail at once, with the server's reason, on the pool's parameters.
        async with await psycopg.AsyncConnection.connect(options["conninfo"], **options["kwargs"]) as probe:
            await configure_postgres(probe)
        pool = AsyncPostgresPool(connection_class=psycopg.AsyncConnection, configure=configure_postgres, **options)
        try:
            await pool.open(wait=True, timeout=timeout)
        except BaseException:
            await pool.close()
            raise
        return pool

    async def execute(self, conn: Any, sql: str) -> None:
        await conn.execute(sql)


class AsyncSQLiteDriver:
    aiosql_adapter = "asm-aiosqlite"

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                        prepare_threshold: int | None = None):
        """`prepare_threshold` is PostgreSQL's and ignored here."""
        memory = url.is_memory

        async def connect() -> aiosqlite.Connection:
            conn = await aiosqlite.connect(url.database, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_S)
            conn.row_factory = dict_row_factory
            if not memory:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        async def close(conn: aiosqlite.Connection) -> None:
            await conn.close()

        return AsyncSimplePool(connect, close, max_size=1 if memory else max_size, timeout=timeout)

    async def execute(self, conn: Any, sql: str) -> None:
        await conn.execute(sql)


class AsyncMySQLDriver:
    aiosql_adapter = "asm-aiomysql"

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                        prepare_threshold: int | None = None):
        """`prepare_threshold` is PostgreSQL's and ignored here."""
        options = mysql_options(url, timeout)
        options["db"] = options.pop("database")
        options["cursorclass"] = aiomysql.DictCursor

        async def connect() -> aiomysql.Connection:
            conn = await aiomysql.connect(**options)
            await self.execute(conn, MYSQL_QUIET_NOTES)
            return conn

        async def close(conn: aiomysql.Connection) -> None:
            conn.close()

        return AsyncSimplePool(connect, close, max_size=max_size, timeout=timeout, alive=aiomysql_alive)

    async def execute(self, conn: Any, sql: str) -> None:
        async with conn.cursor() as cur:
            await cur.execute(sql)


async def configure_postgres(conn: psycopg.AsyncConnection) -> None:
    """sync_drivers.configure_postgres with `await`."""
    await conn.execute(postgres_settings(conn.prepare_threshold), prepare=False)


class AsyncPostgresPool(psycopg_pool.AsyncConnectionPool):
    """sync_drivers.PostgresPool with `await`."""

    async def getconn(self, timeout: float | None = None) -> Any:
        for _ in range(self.max_size):
            conn = await super().getconn(timeout)
            if not postgres_suspect(conn):
                return conn
            try:
                await conn.execute("")
                return conn
            except psycopg.Error:
                await conn.close()
                await self.putconn(conn)
        return await super().getconn(timeout)


ASYNC_DRIVERS: dict[str, Any] = {
    "postgres": AsyncPostgresDriver(),
    "sqlite": AsyncSQLiteDriver(),
    "mysql": AsyncMySQLDriver(),
}
