# Generated from asm/drivers/async_postgres_pool.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""PostgreSQL's pooled connections for the async executor: psycopg_pool's pool, each new
connection configured once (postgres.py has the settings, options and error kinds).
Generated from its async twin by tools/async_to_sync.py."""

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


def configure(conn: psycopg.Connection[Any], pooler: str | None = None) -> None:
    """What each new connection runs once (postgres.settings); `pooler`: its URL's."""
    # prepare=False: with prepare_threshold=0 psycopg would prepare it, and a prepared
    # statement cannot hold two commands.
    conn.execute(settings(conn.prepare_threshold, pooler), prepare=False)


class PostgresPool(psycopg_pool.ConnectionPool):
    """psycopg_pool's pool, handing out no connection the server hung up on while it was idle
    (see liveness.py). psycopg_pool's own `check` would sleep a second or more after each
    dead one; a closed connection given back is replaced by the pool at once."""

    def getconn(self, timeout: float | None = None) -> Any:
        for _ in range(self.max_size):
            conn = super().getconn(timeout)
            if not suspect(conn):
                return conn
            try:
                conn.execute("")  # a notice, or the server's goodbye: one round trip decides
                return conn
            except psycopg.Error:
                conn.close()
                self.putconn(conn)
        return super().getconn(timeout)


class PostgresDriver:
    aiosql_adapter = "psycopg"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10,
                  timeout: float = 30.0, prepare_threshold: int | None = None) -> PostgresPool:
        """A psycopg_pool pool. `prepare_threshold`: psycopg's (executions of a query before it
        is prepared on the server); None, the default, never prepares (see pool_options)."""
        options = pool_options(url, min_size, max_size, timeout, prepare_threshold)
        # A connection the server refuses fails here at once with its reason; the pool would
        # retry until its timeout and then report none. Same parameters as the pool's, so what
        # the pool's connections would meet, this one meets first.
        with psycopg.Connection.connect(options["conninfo"], **options["kwargs"]) as probe:
            configure(probe, url.pooler)
        pool = PostgresPool(connection_class=psycopg.Connection,
                            configure=functools.partial(configure, pooler=url.pooler), **options)
        try:
            pool.open(wait=True, timeout=timeout)
        except BaseException:
            pool.close()
            raise
        return pool

    def execute(self, conn: Any, sql: str) -> None:
        conn.execute(sql)

    def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """A query's rows as tuples (the connections make dicts by default)."""
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(sql, params)
            data = cur.fetchall()
            return rows_of(sql, cur, data)
