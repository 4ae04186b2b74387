"""PostgreSQL's pooled connections for the async executor: psycopg_pool's pool, each new
connection configured once (postgres.py has the settings, options and error kinds).
Its sync twin is generated from it by tools/async_to_sync.py."""

from __future__ import annotations

import functools
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import tuple_row

from asm.core.operation import Rows
from asm.drivers.base import rows_of
from asm.drivers.postgres import pool_options, settings, suspect
from asm.drivers.urls import DatabaseURL


async def configure(conn: psycopg.AsyncConnection[Any], pooler: str | None = None) -> None:
    """What each new connection runs once (postgres.settings); `pooler`: its URL's."""
    # prepare=False: with prepare_threshold=0 psycopg would prepare it, and a prepared
    # statement cannot hold two commands.
    await conn.execute(settings(conn.prepare_threshold, pooler), prepare=False)


class AsyncPostgresPool(psycopg_pool.AsyncConnectionPool):
    """psycopg_pool's pool, handing out no connection the server hung up on while it was idle
    (see liveness.py). psycopg_pool's own `check` would sleep a second or more after each
    dead one; a closed connection given back is replaced by the pool at once."""

    async def getconn(self, timeout: float | None = None) -> Any:
        for _ in range(self.max_size):
            conn = await super().getconn(timeout)
            if not suspect(conn):
                return conn
            try:
                await conn.execute("")  # a notice, or the server's goodbye: one round trip decides
                return conn
            except psycopg.Error:
                await conn.close()
                await self.putconn(conn)
        return await super().getconn(timeout)


class AsyncPostgresDriver:
    aiosql_adapter = "asm-apsycopg"

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10,
                        timeout: float = 30.0, prepare_threshold: int | None = None) -> AsyncPostgresPool:
        """A psycopg_pool pool. `prepare_threshold`: psycopg's (executions of a query before it
        is prepared on the server); None, the default, never prepares (see pool_options)."""
        options = pool_options(url, min_size, max_size, timeout, prepare_threshold)
        # A connection the server refuses fails here at once with its reason; the pool would
        # retry until its timeout and then report none. Same parameters as the pool's, so what
        # the pool's connections would meet, this one meets first.
        async with await psycopg.AsyncConnection.connect(options["conninfo"], **options["kwargs"]) as probe:
            await configure(probe, url.pooler)
        pool = AsyncPostgresPool(connection_class=psycopg.AsyncConnection,
                                 configure=functools.partial(configure, pooler=url.pooler), **options)
        try:
            await pool.open(wait=True, timeout=timeout)
        except BaseException:
            await pool.close()
            raise
        return pool

    async def execute(self, conn: Any, sql: str) -> None:
        await conn.execute(sql)

    async def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """A query's rows as tuples (the connections make dicts by default)."""
        async with conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(sql, params)
            data = await cur.fetchall()
            return rows_of(sql, cur, data)
