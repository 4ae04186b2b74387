"""MySQL and MariaDB through PyMySQL (sync) and aiomysql (async, PyMySQL's protocol on
asyncio): pooled connections, their liveness, and the classification of MySQL's errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from asm.core.operation import Rows
from asm.drivers import kinds
from asm.drivers.async_pool import AsyncSimplePool
from asm.drivers.base import close, execute_on_cursor, rows_of
from asm.drivers.liveness import readable
from asm.drivers.pool import SimplePool
from asm.drivers.urls import DatabaseURL

if TYPE_CHECKING:
    import pymysql.connections

# PyMySQL and aiomysql are imported by the functions that open connections: `import asm`
# (and `asm --help`) should not pay for a driver the caller may never use.

# Notes such as "table already exists" (CREATE ... IF NOT EXISTS) are expected; aiomysql
# would raise them as Python warnings.
QUIET_NOTES = "SET SESSION sql_notes = 0"


def _aiomysql() -> Any:
    """aiomysql, repaired: it escapes a bytes parameter with a PyMySQL function that PyMySQL
    1.1+ replaced by a placeholder string (PyMySQL issue 1274), so any bytes parameter failed:
    give it PyMySQL's own (which writes the _binary X'...' literal)."""
    import aiomysql
    import pymysql.converters

    if not callable(aiomysql.connection.escape_bytes_prefixed):
        aiomysql.connection.escape_bytes_prefixed = pymysql.converters.escape_bytes
    return aiomysql


def connect_options(url: DatabaseURL, timeout: float) -> dict[str, Any]:
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


def session_setup(url: DatabaseURL) -> tuple[str, ...]:
    """What each new connection runs after asm's own settings: the URL's `init_command=` query
    parameter too, if any (e.g. `SET SESSION wsrep_sync_wait = 1` on a Galera cluster). yoyo
    hands the same parameter to PyMySQL, so migrations run it as well."""
    command = url.query.get("init_command", "").strip()
    return (QUIET_NOTES, command) if command else (QUIET_NOTES,)


def alive(conn: Any) -> bool:
    """PyMySQL: its socket is `_sock` (None once closed); see liveness.py."""
    sock = getattr(conn, "_sock", None)
    return sock is not None and not readable(sock.fileno())


def alive_async(conn: Any) -> bool:
    """aiomysql: the loop may already have read the goodbye into the stream reader."""
    if conn.closed:
        return False
    reader = conn._reader
    if reader.at_eof() or reader._buffer:  # noqa: SLF001 - no public way to peek
        return False
    sock = conn._writer.get_extra_info("socket")
    return sock is not None and not readable(sock.fileno())


class Driver:
    # aiosql's PyMySQL adapter with MySQL's `$` (asm/sql/adapters.py: LAST_INSERT_ID's value).
    aiosql_adapter = "asm-pymysql"

    def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10, timeout: float = 30.0,
                  prepare_threshold: int | None = None) -> SimplePool:
        """A pool of asm's own (see pool.py); `prepare_threshold` is PostgreSQL's and ignored here
        (PyMySQL never prepares statements on the server)."""
        import pymysql
        import pymysql.cursors

        options = connect_options(url, timeout)
        setup = session_setup(url)

        def connect() -> pymysql.connections.Connection[Any]:
            conn = pymysql.connect(cursorclass=pymysql.cursors.DictCursor, **options)
            try:
                for sql in setup:
                    execute_on_cursor(conn, sql)
            except BaseException:
                conn.close()
                raise
            return conn

        return SimplePool(connect, close, max_size=max_size, timeout=timeout, alive=alive)

    def execute(self, conn: Any, sql: str) -> None:
        execute_on_cursor(conn, sql)

    def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """A query's rows as tuples (the connections make dicts by default)."""
        import pymysql.cursors

        with conn.cursor(pymysql.cursors.Cursor) as cur:
            cur.execute(sql, params or None)
            return rows_of(sql, cur, cur.fetchall())


class AsyncDriver:
    aiosql_adapter = "asm-aiomysql"

    def __init__(self) -> None:
        # Made when the async MySQL API is first asked for (ASYNC_DRIVERS, asm.sql.queries):
        # aiomysql is repaired before any of asm's queries can pass it bytes, also on the
        # caller's own connections.
        _aiomysql()

    async def open_pool(self, url: DatabaseURL, *, min_size: int = 1, max_size: int = 10,
                        timeout: float = 30.0, prepare_threshold: int | None = None) -> AsyncSimplePool:
        """As the sync driver's."""
        aiomysql = _aiomysql()
        options = connect_options(url, timeout)
        options["db"] = options.pop("database")
        options["cursorclass"] = aiomysql.DictCursor

        setup = session_setup(url)

        async def connect() -> Any:
            conn = await aiomysql.connect(**options)
            try:
                for sql in setup:
                    await self.execute(conn, sql)
            except BaseException:
                conn.close()
                raise
            return conn

        async def close_async(conn: Any) -> None:
            conn.close()

        return AsyncSimplePool(connect, close_async, max_size=max_size, timeout=timeout, alive=alive_async)

    async def execute(self, conn: Any, sql: str) -> None:
        async with conn.cursor() as cur:
            await cur.execute(sql)

    async def fetch_rows(self, conn: Any, sql: str, params: Any) -> Rows:
        """As the sync driver's."""
        import aiomysql

        async with conn.cursor(aiomysql.Cursor) as cur:
            await cur.execute(sql, params or None)
            return rows_of(sql, cur, await cur.fetchall())


# 1044, 1045, 1698: access denied (to the database, for the user, without a password).
_CONNECTION = {1040, 1044, 1045, 1049, 1053, 1152, 1158, 1159, 1160, 1161, 1698, 1927, 2002, 2003, 2005, 2006,
               2013, 2055}
_TRANSIENT = {1205, 1213}
# MariaDB's max_statement_time, MySQL's max_execution_time.
_TIMEOUT = {1969, 3024}
_SCHEMA = {1054, 1146}


def classify(exc: BaseException) -> str | None:
    """The kind (asm.drivers.kinds) of a PyMySQL error (aiomysql raises PyMySQL's); None for any other."""
    pymysql = sys.modules.get("pymysql")
    # Not imported: no PyMySQL error exists (and classifying must not load the driver).
    if pymysql is None or not isinstance(exc, pymysql.err.MySQLError):
        return None
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if isinstance(exc, pymysql.err.IntegrityError) and code == 1062:
        return kinds.CONFLICT
    if code in _TRANSIENT:
        return kinds.TRANSIENT
    if code in _TIMEOUT:
        return kinds.TIMEOUT
    if code in _SCHEMA:
        return kinds.SCHEMA
    if code in _CONNECTION or isinstance(exc, pymysql.err.InterfaceError):
        return kinds.CONNECTION
    return kinds.OTHER
