"""GraphSessionStorage (also importable as PostgresSessionStorage, the seed's name) and its
async twin, on any of the three dialects."""

from __future__ import annotations

from asm.arguments import optional_count
from asm.cursors import check_cursor_secret
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


# Run by connect, not a method of the storages.
_prepare_schema = sync_method(operations.prepare_schema)
_aprepare_schema = async_method(operations.prepare_schema)


class GraphSessionStorage(SyncStore, GraphOperations, wrap=sync_method):
    """Graph-workflow sessions in the `sessions` table. Safe to share between threads."""

    @classmethod
    def connect(cls, url: str, *, min_size: int = 1, max_size: int = DEFAULT_MAX_SIZE,
                timeout: float = 30.0, create_schema: bool = True,
                prepare_threshold: int | None = None,
                cursor_secret: str | bytes | None = None) -> GraphSessionStorage:
        """Connect. The catalog is read first; only a missing table (or missing list indexes)
        is created, safely when several processes connect at once, so a role that may only
        read and write `sessions` connects to a migrated database. create_schema=False never
        creates anything: a missing table is a SchemaError (run `asm migrate`).
        prepare_threshold: PostgreSQL: psycopg's prepare_threshold; None (default) never
        prepares, safe behind a transaction pooler. cursor_secret: signs the cursors of `list`
        pages, as for `asm.connect`."""
        prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
        cursor_secret = check_cursor_secret(cursor_secret)
        executor = SyncExecutor(parse_url(url), min_size=min_size, max_size=max_size, timeout=timeout,
                                prepare_threshold=prepare_threshold)
        executor.dialect = executor.dialect.with_limits(cursor_secret=cursor_secret)
        storage = cls(executor)
        try:
            _prepare_schema(storage, create_schema)
        except BaseException:
            executor.close()
            raise
        return storage


PostgresSessionStorage = GraphSessionStorage


class AsyncGraphSessionStorage(AsyncStore, GraphOperations, wrap=async_method):
    """GraphSessionStorage with awaitable methods. Safe to share between tasks of one loop."""

    @classmethod
    async def connect(cls, url: str, *, min_size: int = 1, max_size: int = DEFAULT_MAX_SIZE,
                      timeout: float = 30.0, create_schema: bool = True,
                      prepare_threshold: int | None = None,
                      cursor_secret: str | bytes | None = None) -> AsyncGraphSessionStorage:
        """The async twin of GraphSessionStorage.connect (same options)."""
        prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
        cursor_secret = check_cursor_secret(cursor_secret)
        executor = AsyncExecutor(parse_url(url))
        executor.dialect = executor.dialect.with_limits(cursor_secret=cursor_secret)
        storage = cls(executor)
        try:
            await executor.open(min_size=min_size, max_size=max_size, timeout=timeout,
                                prepare_threshold=prepare_threshold)
            await _aprepare_schema(storage, create_schema)
        except BaseException:
            await executor.close()
            raise
        return storage
