# Generated from asm/core/async_api.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""What every public async API object has: its executor, the URL and dialect it works on, and
for a store, `close()` and `async with`. Generated from its async twin by tools/async_to_sync.py."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from asm.core.sync_executor import SyncExecutor
from asm.drivers.urls import DatabaseURL


class SyncAPI:
    """A part of the async API (a store, `store.query`, `store.maintenance`, `store.artifacts`)
    running its calls on one executor."""

    def __init__(self, executor: SyncExecutor):
        self._executor = executor

    @property
    def url(self) -> DatabaseURL:
        """The database URL (its password shows as ***)."""
        return self._executor.url

    @property
    def dialect(self) -> str:
        """"postgres", "sqlite" or "mysql"."""
        return self._executor.dialect.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class SyncStore(SyncAPI):
    """An async API object that owns its connections: close it, or use it with `async with`."""

    def close(self) -> None:
        """Close the store's connections; calls still waiting for one fail with StorageConnectionFailed."""
        self._executor.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
