"""GraphSessionStorage (also importable as PostgresSessionStorage, the seed's name) and its
async twin, on any of the three dialects."""

from __future__ import annotations


from asm.db.api import AsyncStore, OperationTable, SyncStore, async_method, sync_method
from asm.db.async_executor import AsyncExecutor
from asm.db.executor import SyncExecutor
from asm.db.urls import parse_url
from asm.graph import operations

DEFAULT_MAX_SIZE = 5  # the seed's pool size


class GraphOperations(OperationTable):
    """The graph storage API, listed once for GraphSessionStorage and AsyncGraphSessionStorage."""

    save = operations.save
    get = operations.get
    delete = operations.delete
    append_message = operations.append_message
    list = operations.list_page


class GraphSessionStorage(SyncStore, GraphOperations, wrap=sync_method):
    """Graph-workflow sessions in the `sessions` table. Safe to share between threads."""

    @classmethod
    def connect(cls, url: str, *, min_size: int = 1, max_size: int = DEFAULT_MAX_SIZE,
                timeout: float = 30.0) -> GraphSessionStorage:
        """Connect, creating the sessions table if it is missing (safe when several processes
        connect at once)."""
        executor = SyncExecutor(parse_url(url), min_size=min_size, max_size=max_size, timeout=timeout)
        try:
            executor.run(operations.create_table, executor.dialect)
        except BaseException:
            executor.close()
            raise
        return cls(executor)


PostgresSessionStorage = GraphSessionStorage


class AsyncGraphSessionStorage(AsyncStore, GraphOperations, wrap=async_method):
    """GraphSessionStorage with awaitable methods. Safe to share between tasks of one loop."""

    @classmethod
    async def connect(cls, url: str, *, min_size: int = 1, max_size: int = DEFAULT_MAX_SIZE,
                      timeout: float = 30.0) -> AsyncGraphSessionStorage:
        """The async twin of GraphSessionStorage.connect."""
        executor = AsyncExecutor(parse_url(url))
        try:
            await executor.open(min_size=min_size, max_size=max_size, timeout=timeout)
            await executor.run(operations.create_table, executor.dialect)
        except BaseException:
            await executor.close()
            raise
        return cls(executor)


