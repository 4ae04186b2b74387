"""The floor: the minimal SQL a careful engineer would write with the bare driver for the same
work as each asm call, on the same database. One module per dialect, one class each."""

from __future__ import annotations

from typing import Any


def open_floor(dialect: str, url: str) -> Any:
    from asm.drivers.urls import parse_url

    parsed = parse_url(url)
    if dialect == "postgres":
        from bench.floor.postgres import PostgresFloor
        return PostgresFloor(parsed)
    if dialect == "sqlite":
        from bench.floor.sqlite import SQLiteFloor
        return SQLiteFloor(parsed)
    from bench.floor.mysql import MySQLFloor
    return MySQLFloor(parsed)


async def open_floor_async(dialect: str, url: str) -> Any:
    """The same floor on the bare async driver (bench/floor/async_<dialect>.py)."""
    from asm.drivers.urls import parse_url

    parsed = parse_url(url)
    if dialect == "postgres":
        from bench.floor.async_postgres import AsyncPostgresFloor
        return await AsyncPostgresFloor.open(parsed)
    if dialect == "sqlite":
        from bench.floor.async_sqlite import AsyncSQLiteFloor
        return await AsyncSQLiteFloor.open(parsed)
    from bench.floor.async_mysql import AsyncMySQLFloor
    return await AsyncMySQLFloor.open(parsed)
