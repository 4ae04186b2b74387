"""Opening pooled sync connections per dialect, and the transaction statements they take.

Every connection runs in autocommit mode: a single statement is one round trip, and a
transaction is an explicit BEGIN ... COMMIT that asm issues itself (see plan.py).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import psycopg
import psycopg_pool
import pymysql
import pymysql.cursors
from psycopg.adapt import AdaptersMap
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads

from asm.db.liveness import mysql_alive, postgres_suspect
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

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None):
        """A psycopg_pool pool. `prepare_threshold`: psycopg's (executions of a query before it
        is prepared on the server); None, the default, never prepares (see postgres_pool_options)."""
        options = postgres_pool_options(url, min_size, max_size, timeout, prepare_threshold)
        # A connection the server refuses fails here at once with its reason; the pool would
        # retry until its timeout and then report none. Same parameters as the pool's, so what
        # the pool's connections would meet, this one meets first.
        with psycopg.connect(options["conninfo"], **options["kwargs"]) as probe:
            configure_postgres(probe)
        pool = PostgresPool(configure=configure_postgres, **options)
        pool.open(wait=True, timeout=timeout)
        return pool


class SQLiteDriver(SyncDriver):
    aiosql_adapter = "sqlite3"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None):
        """A pool of our own; `prepare_threshold` is PostgreSQL's and ignored here."""
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

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None):
        """A pool of our own; `prepare_threshold` is PostgreSQL's and ignored here (PyMySQL never
        prepares statements on the server)."""
        options = mysql_options(url, timeout)

        def connect() -> pymysql.connections.Connection:
            conn = pymysql.connect(cursorclass=pymysql.cursors.DictCursor, **options)
            execute(conn, MYSQL_QUIET_NOTES)
            return conn

        return SimplePool(connect, max_size=max_size, timeout=timeout, alive=mysql_alive)


class PostgresPool(psycopg_pool.ConnectionPool):
    """psycopg_pool's pool, handing out no connection the server hung up on while it was idle
    (see liveness.py). psycopg_pool's own `check` would sleep a second or more after each
    dead one; a closed connection given back is replaced by the pool at once."""

    def getconn(self, timeout: float | None = None) -> Any:
        for _ in range(self.max_size):
            conn = super().getconn(timeout)
            if not postgres_suspect(conn):
                return conn
            try:
                conn.execute("")  # a notice, or the server's goodbye: one round trip decides
                return conn
            except psycopg.Error:
                conn.close()
                self.putconn(conn)
        return super().getconn(timeout)


def probe_timeout(timeout: float) -> int:
    """libpq's connect_timeout: whole seconds, at least 1."""
    return max(1, int(min(timeout, 30)))


_decode_json = json.JSONDecoder().decode


def _load_json(data: bytes) -> Any:
    # json.loads would first guess the encoding of the bytes; PostgreSQL sends UTF-8.
    return _decode_json(data.decode())


# psycopg's adapters, but for how json and jsonb are parsed: for asm's connections only.
POSTGRES_ADAPTERS = AdaptersMap(psycopg.adapters)
set_json_loads(_load_json, POSTGRES_ADAPTERS)


def postgres_pool_options(url: DatabaseURL, min_size: int, max_size: int, timeout: float,
                          prepare_threshold: int | None = None) -> dict[str, Any]:
    """psycopg_pool options (the async pool takes the same ones, and its own `configure`).

    No server-side prepared statements unless asked for (`prepare_threshold`): through a
    transaction-pooling PgBouncer one server connection serves many clients, and psycopg's
    `_pg3_N` names would run another client's statement. No startup `options` either (poolers
    such as PgBouncer refuse them): the time zone and jit are set by `configure_postgres`."""
    return {
        "conninfo": url.conninfo(),
        "min_size": min_size,
        "max_size": max_size,
        "timeout": timeout,
        # Autocommit: one statement is one round trip; asm sends BEGIN itself when it needs one.
        "kwargs": {"autocommit": True, "row_factory": dict_row, "context": POSTGRES_ADAPTERS,
                   "prepare_threshold": prepare_threshold, "connect_timeout": probe_timeout(timeout)},
        "open": False,
        "name": "asm",
    }


# Once per new connection, not per call. Reads do not depend on it (timestamps are converted
# to UTC in Python, dialects.py), but psycopg decodes `timestamptz` about twice as fast in UTC.
# PgBouncer tracks TimeZone per client, so it holds through a transaction pooler too.
POSTGRES_SET_UTC = "SET TIME ZONE 'UTC'"

# Where a setting came from when nobody chose it for this connection: the server's defaults
# and files. Any other source (the URL's `options`, PGOPTIONS, ALTER ROLE/DATABASE ... SET) is
# the user's choice and wins over asm's.
_SERVER_SOURCES = "('default', 'configuration file', 'command line', 'environment variable', 'override')"


def _set_unless_chosen(settings: dict[str, str]) -> str:
    pairs = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in settings.items())
    names = ", ".join(f"'{name}'" for name in settings)
    # set_config on pg_settings' rows: a setting this server lacks (jit before 11) is no error.
    return (f"SELECT set_config(name, CASE name {pairs} END, false) FROM pg_settings "
            f"WHERE name IN ({names}) AND source IN {_SERVER_SOURCES}")


# JIT compiles a query's expressions when its estimated cost is high; asm's queries are short
# OLTP statements, and over 1M events JIT added 503 ms of 539 ms to `usage_by_provider`.
POSTGRES_SETTINGS = POSTGRES_SET_UTC + "; " + _set_unless_chosen({"jit": "off"})
# With prepared statements (`prepare_threshold` not None) PostgreSQL switches a statement to a
# generic plan after 5 executions: over 1M events `get_events` on a hot session with a type
# filter went from 0.39 ms to 56.6 ms. A custom plan per execution keeps the saved parsing.
POSTGRES_SETTINGS_PREPARED = POSTGRES_SET_UTC + "; " + _set_unless_chosen(
    {"jit": "off", "plan_cache_mode": "force_custom_plan"})


def postgres_settings(prepare_threshold: int | None) -> str:
    """The statements a new connection runs once: parameterless, so psycopg sends them in one
    simple-protocol message (one round trip)."""
    return POSTGRES_SETTINGS if prepare_threshold is None else POSTGRES_SETTINGS_PREPARED


def configure_postgres(conn: psycopg.Connection) -> None:
    # prepare=False: with prepare_threshold=0 psycopg would prepare it, and a prepared
    # statement cannot hold two commands.
    conn.execute(postgres_settings(conn.prepare_threshold), prepare=False)


# Notes such as "table already exists" (CREATE ... IF NOT EXISTS) are expected; aiomysql
# would raise them as Python warnings.
MYSQL_QUIET_NOTES = "SET SESSION sql_notes = 0"


def mysql_options(url: DatabaseURL, timeout: float) -> dict[str, Any]:
    """PyMySQL connection options (aiomysql takes the same ones)."""
    return {
        "host": url.host or "localhost",
        "port": url.port or 3306,
        "user": url.user or "root",
        # The URL's, or its query string's (as yoyo, and so `asm migrate`, also reads it), as
        # UTF-8: both drivers send a str's latin-1 bytes (see DatabaseURL.mysql_password).
        "password": url.mysql_password(),
        "database": url.database,
        "charset": "utf8mb4",
        "autocommit": True,
        "connect_timeout": int(min(timeout, 30)),
        # Each statement sees what committed before it; fewer gap locks, fewer deadlocks.
        "init_command": "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    }


def dict_row_factory(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


SYNC_DRIVERS: dict[str, SyncDriver] = {
    "postgres": PostgresDriver(),
    "sqlite": SQLiteDriver(),
    "mysql": MySQLDriver(),
}
