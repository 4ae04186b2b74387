"""What every public async API object has: its executor, the URL and dialect it works on, and
for a store, `close()` and `async with`. Its sync twin is generated from it by tools/async_to_sync.py."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from asm.core.async_executor import AsyncExecutor
from asm.drivers.urls import DatabaseURL


class AsyncAPI:
    """A part of the async API (a store, `store.query`, `store.maintenance`, `store.artifacts`)
    running its calls on one executor."""

    def __init__(self, executor: AsyncExecutor):
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


class AsyncStore(AsyncAPI):
    """An async API object that owns its connections: close it, or use it with `async with`."""

    async def close(self) -> None:
        """Close the store's connections; calls still waiting for one fail with StorageConnectionFailed."""
        await self._executor.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.close()
