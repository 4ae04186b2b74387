"""Opening the database a command works on: a store, or a plain driver connection."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

import psycopg
import pymysql

import asm
from asm.drivers.mysql import connect_options as mysql_options
from asm.drivers.postgres_pool import configure as configure_postgres
from asm.drivers.errors import translate
from asm.drivers.urls import DatabaseURL, parse_url
from asm.errors import StorageConnectionFailed

CONNECT_TIMEOUT_S = 10


def open_store(url: str | DatabaseURL, *, migrate: bool = False) -> asm.SessionStore:
    """A store on `url`. One command, one connection at a time: a small pool is enough."""
    return asm.connect(parse_url(url), migrate=migrate, max_size=2)


def raw_connection(url: DatabaseURL) -> Any:
    """A plain autocommit driver connection (psycopg, PyMySQL or sqlite3), outside asm's pools."""
    try:
        if url.dialect == "postgres":
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
            return pymysql.connect(**mysql_options(url, CONNECT_TIMEOUT_S))
        if url.is_memory:
            return sqlite3.connect(":memory:", isolation_level=None)
        return sqlite3.connect(f"file:{quote(url.database or '')}?mode=rw", uri=True, isolation_level=None)
    except Exception as exc:
        error = translate(exc, url=url, write=False, what="connecting")
        if error is exc:
            raise StorageConnectionFailed(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
        raise error from exc
