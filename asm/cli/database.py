"""Opening the database a command works on: a store, or a plain driver connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asm
from asm.drivers.errors import translate
from asm.drivers.urls import DatabaseURL, parse_url
from asm.errors import StorageConnectionFailed

CONNECT_TIMEOUT_S = 10


def open_store(url: str | DatabaseURL, *, migrate: bool = False, create: bool = False) -> asm.SessionStore:
    """A store on `url`. One command, one connection at a time: a small pool is enough.
    A SQLite file is created only with `create` or `migrate` (see require_database)."""
    url = parse_url(url)
    require_database(url, create=create or migrate)
    return asm.connect(url, migrate=migrate, max_size=2)


def require_database(url: DatabaseURL, *, create: bool) -> None:
    """Refuse a SQLite file that is not there, unless this command may create it: SQLite
    would make an empty one, and a typo in a read command's URL would leave a stray file
    behind and answer "no such table". Also name a missing directory (SQLite says only
    "unable to open database file"). Server databases are never created by asm."""
    if url.dialect != "sqlite" or url.is_memory:
        return
    path = Path(url.database or "")
    directory = path.parent.absolute()
    if not directory.is_dir():
        raise StorageConnectionFailed(
            f"cannot reach {url}: the directory {directory} does not exist",
            details={"dialect": "sqlite", "database": str(url), "path": str(directory)})
    if not create and not path.exists():
        raise StorageConnectionFailed(
            f"no SQLite database at {path.absolute()}, so no asm schema: create both with "
            f"`asm migrate --database {url}`",
            details={"dialect": "sqlite", "database": str(url), "path": str(path.absolute())}, retryable=False)


def raw_connection(url: DatabaseURL) -> Any:
    """A plain autocommit driver connection (psycopg, PyMySQL or sqlite3), outside asm's pools."""
    require_database(url, create=False)
    try:
        # Each driver imported here, when used: `asm --help` should not load them all.
        if url.dialect == "postgres":
            import psycopg

            from asm.drivers.postgres_pool import configure as configure_postgres

            # As the store's own connections: the URL's own `options` (a search_path) hold, and
            # nothing is prepared on the server (a transaction pooler may be in front).
            conn = psycopg.connect(url.conninfo(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                   prepare_threshold=None)
            try:
                configure_postgres(conn, url.pooler)
            except BaseException:
                conn.close()
                raise
            return conn
        if url.dialect == "mysql":
            import pymysql

            from asm.drivers.mysql import connect_options as mysql_options

            return pymysql.connect(**mysql_options(url, CONNECT_TIMEOUT_S))
        if url.is_memory:
            return sqlite3.connect(":memory:", isolation_level=None)
        return sqlite3.connect(f"file:{quote(url.database or '')}?mode=rw", uri=True, isolation_level=None)
    except Exception as exc:
        error = translate(exc, url=url, write=False, what="connecting")
        if error is exc:
            raise StorageConnectionFailed(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
        raise error from exc
