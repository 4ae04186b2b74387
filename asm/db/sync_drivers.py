"""Opening pooled sync connections per dialect, and the transaction statements they take.

Every connection runs in autocommit mode: a single statement is one round trip, and a
transaction is an explicit BEGIN ... COMMIT that asm issues itself (see plan.py).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import psycopg_pool
import pymysql
import pymysql.cursors
from psycopg.rows import dict_row

from asm.db.pool import SimplePool
from asm.db.urls import DatabaseURL

SQLITE_BUSY_TIMEOUT_S = 30.0


def execute(conn: Any, sql: str) -> None:
    cur = conn.cursor()
    try:
        cur.execute(sql)
    finally:
        cur.close()


class SyncDriver:
    aiosql_adapter: str

    def execute(self, conn: Any, sql: str) -> None:
        """One raw statement (transaction control, migrations of an in-memory database)."""
        execute(conn, sql)


class PostgresDriver(SyncDriver):
    aiosql_adapter = "psycopg"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0):
        pool = psycopg_pool.ConnectionPool(
            url.conninfo(),
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True, "row_factory": dict_row, "options": "-c TimeZone=UTC"},
            open=False,
            name="asm",
        )
        pool.open(wait=True, timeout=timeout)
        return pool


class SQLiteDriver(SyncDriver):
    aiosql_adapter = "sqlite3"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0):
        path = url.database
        memory = url.is_memory

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S
            )
            conn.row_factory = dict_row_factory
            if not memory:
                conn.execute("PRAGMA journal_mode=WAL")
                # Durable across process crashes; WAL keeps the file consistent on power loss.
                conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        # One in-memory database per connection: the pool must hand out the same one.
        return SimplePool(connect, max_size=1 if memory else max_size, timeout=timeout)


class MySQLDriver(SyncDriver):
    aiosql_adapter = "pymysql"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0):
        def connect() -> pymysql.connections.Connection:
            return pymysql.connect(
                host=url.host or "localhost",
                port=url.port or 3306,
                user=url.user or "root",
                password=url.password or "",
                database=url.database,
                charset="utf8mb4",
                autocommit=True,
                cursorclass=pymysql.cursors.DictCursor,
                connect_timeout=int(min(timeout, 30)),
                # Each statement sees what committed before it; fewer gap locks, fewer deadlocks.
                init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            )

        return SimplePool(connect, max_size=max_size, timeout=timeout)


def dict_row_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return dict(zip([c[0] for c in cursor.description], row))


SYNC_DRIVERS: dict[str, SyncDriver] = {
    "postgres": PostgresDriver(),
    "sqlite": SQLiteDriver(),
    "mysql": MySQLDriver(),
}
