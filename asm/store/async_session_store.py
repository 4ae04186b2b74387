"""AsyncSessionStore, the async twin of SessionStore, and `asm.connect_async`."""

from __future__ import annotations

import functools
import asyncio
from contextlib import AbstractAsyncContextManager

from asm.db.async_executor import AsyncExecutor
from asm.db.migrations import migrate as apply_migrations
from asm.db.migrations import migration_statements
from asm.artifacts import AsyncArtifacts
from asm.db.urls import parse_url
from asm.maintenance.api import AsyncMaintenance
from asm.query.api import AsyncQueryAPI
from asm.store import schema
from asm.db.api import AsyncStore, async_method
from asm.store.methods import StoreOperations


class AsyncSessionStore(AsyncStore, StoreOperations, wrap=async_method):
    """SessionStore with awaitable methods. Safe to share between tasks of one event loop."""

    @functools.cached_property
    def query(self) -> AsyncQueryAPI:
        """Cross-session search, statistics, usage, export and import (CONTRACT §5)."""
        return AsyncQueryAPI(self._executor)

    @functools.cached_property
    def artifacts(self) -> AsyncArtifacts:
        """The artifact registry (CONTRACT §7)."""
        return AsyncArtifacts(self._executor)

    @functools.cached_property
    def maintenance(self) -> AsyncMaintenance:
        """Retention and maintenance (CONTRACT §6)."""
        return AsyncMaintenance(self._executor)

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """`async with store.transaction():` every store call inside runs in one transaction."""
        return self._executor.transaction()


async def connect_async(url: str, *, migrate: bool = False, min_size: int = 1, max_size: int = 10,
                        timeout: float = 30.0) -> AsyncSessionStore:
    """The async twin of `asm.connect`: `store = await asm.connect_async(url)`."""
    url = parse_url(url)
    if migrate and not url.is_memory:
        # yoyo is synchronous; keep the event loop free while it works.
        await asyncio.to_thread(apply_migrations, url)
    executor = AsyncExecutor(url)
    try:
        await executor.open(min_size=min_size, max_size=max_size, timeout=timeout)
        if migrate and url.is_memory:
            await executor.execute_statements(migration_statements(url.dialect))
        await executor.run(schema.check_schema, executor.dialect)
    except BaseException:
        await executor.close()
        raise
    return AsyncSessionStore(executor)
