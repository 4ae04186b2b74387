"""How asm reaches each database: one module per driver family (postgres.py and async_postgres_pool.py: psycopg;
sqlite.py: sqlite3 and aiosqlite; mysql.py: PyMySQL and aiomysql), each with its pool,
connection settings, liveness check and error classification; the pools asm keeps itself
(async_pool.py and its generated twin pool.py); URLs (urls.py); driver errors -> asm errors
(errors.py)."""

from __future__ import annotations

from asm.drivers import mysql, sqlite
from asm.drivers.async_postgres_pool import AsyncPostgresDriver
from asm.drivers.postgres_pool import PostgresDriver
from asm.drivers.base import AsyncDriver, SyncDriver

SYNC_DRIVERS: dict[str, SyncDriver] = {
    "postgres": PostgresDriver(),
    "sqlite": sqlite.Driver(),
    "mysql": mysql.Driver(),
}

ASYNC_DRIVERS: dict[str, AsyncDriver] = {
    "postgres": AsyncPostgresDriver(),
    "sqlite": sqlite.AsyncDriver(),
    "mysql": mysql.AsyncDriver(),
}
