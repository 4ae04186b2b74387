"""AsyncSessionStore, the async twin of SessionStore, and `asm.connect_async`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

from asm.arguments import optional_count, optional_positive_int
from asm.artifacts import AsyncArtifacts
from asm.cursors import check_cursor_secret
from asm.db.api import AsyncStore, async_method
from asm.db.async_executor import AsyncExecutor
from asm.db.dialects import DEFAULT_MAX_EVENT_BYTES
from asm.db.migrations import migrate as apply_migrations
from asm.db.migrations import migration_statements
from asm.db.urls import parse_url
from asm.maintenance.api import AsyncMaintenance
from asm.query.api import AsyncQueryAPI
from asm.records import Event
from asm.store import schema
from asm.store.methods import StoreOperations
from asm.store.streaming import event_pages


class AsyncSessionStore(AsyncStore, StoreOperations, wrap=async_method):
    """SessionStore with awaitable methods. Safe to share between tasks of one event loop."""

    async def iter_events(self, session_id: str, *, batch_size: int = 500, **filters: Any) -> AsyncIterator[Event]:
        """Every event matching the get_events filters, page by page, in bounded memory."""
        pages = event_pages(session_id, batch_size, filters)
        arguments = next(pages)
        while True:
            page = await self.get_events(**arguments)
            for event in page:
                yield event
            try:
                arguments = pages.send(page)
            except StopIteration:
                return

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
                        timeout: float = 30.0, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES,
                        prepare_threshold: int | None = None,
                        cursor_secret: str | bytes | None = None) -> AsyncSessionStore:
    """The async twin of `asm.connect`: `store = await asm.connect_async(url)`.

    prepare_threshold (PostgreSQL; checked, then ignored, elsewhere): as for `asm.connect`;
    None, the default, never prepares statements on the server, which a transaction-pooling
    PgBouncer needs. cursor_secret: as for `asm.connect`.
    """
    max_event_bytes = optional_positive_int(max_event_bytes, "max_event_bytes")
    prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
    cursor_secret = check_cursor_secret(cursor_secret)
    url = parse_url(url)
    if migrate and not url.is_memory:
        # yoyo is synchronous; keep the event loop free while it works.
        await asyncio.to_thread(apply_migrations, url)
    executor = AsyncExecutor(url)
    executor.dialect = executor.dialect.with_limits(max_event_bytes=max_event_bytes, cursor_secret=cursor_secret)
    try:
        await executor.open(min_size=min_size, max_size=max_size, timeout=timeout,
                            prepare_threshold=prepare_threshold)
        if migrate and url.is_memory:
            await executor.execute_statements(migration_statements(url.dialect))
        await executor.run(schema.check_schema, executor.dialect)
    except BaseException:
        await executor.close()
        raise
    return AsyncSessionStore(executor)
