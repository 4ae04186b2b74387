"""Throwaway test databases on the three dialects, and raw SQL access to them.

Servers come from ASM_TEST_POSTGRES_URL / ASM_TEST_MYSQL_URL (an admin URL; the tests
create and drop their own databases). An unreachable server skips its tests locally and
fails them when CI=true, so a green CI means all three dialects ran.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from asm.drivers.urls import parse_url

DIALECTS = ("sqlite", "postgres", "mysql")
POSTGRES_ADMIN_URL = os.environ.get("ASM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("ASM_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TABLES = ("asm_events", "asm_runs", "asm_session_sequences", "asm_artifacts", "asm_sessions", "sessions")


def unavailable(dialect: str, reason: str) -> None:
    message = f"{dialect} server unavailable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: every dialect must run)", pytrace=False)
    pytest.skip(message)


def _with_database(admin_url: str, name: str) -> str:
    head, _, _ = admin_url.rpartition("/")
    return f"{head}/{name}"


def create_database(dialect: str, tmp_dir: Path) -> str:
    """A fresh empty database; returns its asm URL."""
    name = f"asm_test_{uuid.uuid4().hex[:12]}"
    if dialect == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    try:
        with admin_connection(dialect) as conn:
            execute(dialect, conn, f"CREATE DATABASE {name}")
    except (psycopg.OperationalError, pymysql.err.OperationalError) as exc:
        unavailable(dialect, str(exc).splitlines()[0])
    admin = POSTGRES_ADMIN_URL if dialect == "postgres" else MYSQL_ADMIN_URL
    return _with_database(admin, name)


def drop_database(dialect: str, url: str) -> None:
    if dialect == "sqlite":
        return
    name = parse_url(url).database
    with admin_connection(dialect) as conn:
        execute(dialect, conn, f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if dialect == "postgres" else ""))


class admin_connection:
    def __init__(self, dialect: str):
        self.dialect = dialect

    def __enter__(self) -> Any:
        self.conn = connect_raw(POSTGRES_ADMIN_URL if self.dialect == "postgres" else MYSQL_ADMIN_URL)
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        self.conn.close()


def connect_raw(url: str) -> Any:
    """A plain autocommit driver connection, outside asm."""
    parsed = parse_url(url)
    if parsed.dialect == "postgres":
        return psycopg.connect(parsed.conninfo(), autocommit=True, connect_timeout=5)
    if parsed.dialect == "mysql":
        return pymysql.connect(
            host=parsed.host, port=parsed.port or 3306, user=parsed.user, password=parsed.password or "",
            database=parsed.database, autocommit=True, connect_timeout=5, charset="utf8mb4",
        )
    return sqlite3.connect(parsed.database, isolation_level=None)


def execute(dialect: str, conn: Any, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement with positional parameters written as `?`."""
    if dialect != "sqlite":
        sql = sql.replace("%", "%%").replace("?", "%s")
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


class RawDatabase:
    """Direct SQL on a test database, for arranging and inspecting what asm cannot."""

    def __init__(self, dialect: str, url: str):
        self.dialect = dialect
        self.url = url
        self._conn = None

    @property
    def conn(self) -> Any:
        if self._conn is None:
            self._conn = connect_raw(self.url)
        return self._conn

    def execute(self, sql: str, *params: Any) -> list[tuple]:
        return execute(self.dialect, self.conn, sql, params)

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.execute(sql, *params)
        return rows[0][0] if rows else None

    def clean(self) -> None:
        for table in TABLES:
            self.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
