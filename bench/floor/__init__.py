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
