"""Throwaway benchmark databases, created on the local servers and dropped afterwards.

Admin URLs come from ASM_BENCH_POSTGRES_URL / ASM_BENCH_MYSQL_URL (else the test suite's
ASM_TEST_* variables, else the local defaults).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pymysql

from asm.drivers.urls import parse_url

POSTGRES_ADMIN_URL = os.environ.get(
    "ASM_BENCH_POSTGRES_URL", os.environ.get("ASM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
MYSQL_ADMIN_URL = os.environ.get(
    "ASM_BENCH_MYSQL_URL", os.environ.get("ASM_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"))


def create_database(dialect: str, tmp_dir: Path) -> str:
    """A fresh empty database; returns its asm URL."""
    name = f"asm_bench_{uuid.uuid4().hex[:12]}"
    if dialect == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    admin = _admin_url(dialect)
    _run_admin(dialect, admin, f"CREATE DATABASE {name}")
    return f"{admin.rpartition('/')[0]}/{name}"


def drop_database(dialect: str, url: str) -> None:
    if dialect == "sqlite":
        path = Path(parse_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = parse_url(url).database
    force = " WITH (FORCE)" if dialect == "postgres" else ""
    _run_admin(dialect, _admin_url(dialect), f"DROP DATABASE IF EXISTS {name}{force}")


def _admin_url(dialect: str) -> str:
    return POSTGRES_ADMIN_URL if dialect == "postgres" else MYSQL_ADMIN_URL


def _run_admin(dialect: str, admin_url: str, sql: str) -> None:
    parsed = parse_url(admin_url)
    if dialect == "postgres":
        with psycopg.connect(parsed.conninfo(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)
        return
    conn = pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                           password=parsed.password or "", autocommit=True, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
