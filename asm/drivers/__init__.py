"""How asm reaches each database: one module per driver family (postgres.py and async_postgres_pool.py: psycopg;
sqlite.py: sqlite3 and aiosqlite; mysql.py: PyMySQL and aiomysql), each with its pool,
connection settings, liveness check and error classification; the pools asm keeps itself
(async_pool.py and its generated twin pool.py); URLs (urls.py); driver errors -> asm errors
(errors.py).

A driver's module, and the database library under it, is imported the first time a store
asks for that dialect: `import asm` and the command line's `--help` load none of them."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from asm.drivers.base import AsyncDriver, SyncDriver

D = TypeVar("D")


class _Drivers(Mapping[str, D], Generic[D]):
    """Dialect -> driver, each made (and its module imported) on first lookup."""

    def __init__(self, homes: dict[str, tuple[str, str]]) -> None:
        self._homes = homes  # dialect -> (module, class name)
        self._made: dict[str, D] = {}

    def __getitem__(self, dialect: str) -> D:
        driver = self._made.get(dialect)
        if driver is None:
            module, name = self._homes[dialect]
            made = getattr(importlib.import_module(module), name)()
            # Registers the aiosql adapter each driver's `aiosql_adapter` names (imported after
            # the driver: asm.sql imports asm.drivers.sqlite).
            importlib.import_module("asm.sql.adapters")
            driver = self._made[dialect] = made
        return driver

    def __iter__(self) -> Iterator[str]:
        return iter(self._homes)

    def __len__(self) -> int:
        return len(self._homes)


SYNC_DRIVERS: Mapping[str, SyncDriver] = _Drivers({
    "postgres": ("asm.drivers.postgres_pool", "PostgresDriver"),
    "sqlite": ("asm.drivers.sqlite", "Driver"),
    "mysql": ("asm.drivers.mysql", "Driver"),
})

ASYNC_DRIVERS: Mapping[str, AsyncDriver] = _Drivers({
    "postgres": ("asm.drivers.async_postgres_pool", "AsyncPostgresDriver"),
    "sqlite": ("asm.drivers.sqlite", "AsyncDriver"),
    "mysql": ("asm.drivers.mysql", "AsyncDriver"),
})
