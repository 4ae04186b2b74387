# Generated from asm/graph/async_storage.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""GraphSessionStorage: graph-workflow sessions in the table `sessions`, on any dialect.

The sync GraphSessionStorage is also importable as PostgresSessionStorage, the name the
original Rust storage has. Generated from its async twin by tools/async_to_sync.py.
"""

from __future__ import annotations

from asm.arguments import optional_count
from asm.core.sync_api import SyncStore
from asm.core.sync_executor import SyncExecutor
from asm.core.database import Database
from asm.cursors import check_cursor_secret
from asm.drivers.urls import DatabaseURL, parse_url, with_pooler
from asm.graph import operations
from asm.graph.operations import GraphSessionPage
from asm.graph.model import ChatMessage, GraphSession, MessageRole

DEFAULT_MAX_SIZE = 5  # the pool size of the original storage


class GraphSessionStorage(SyncStore):
    """Graph-workflow sessions (which task runs next, and a shared context with its chat
    history). Safe to share between threads."""

    @classmethod
    def connect(cls, url: str | DatabaseURL, *, min_size: int = 1, max_size: int = DEFAULT_MAX_SIZE,
                timeout: float = 30.0, create_schema: bool = True,
                prepare_threshold: int | None = None,
                cursor_secret: str | bytes | None = None,
                pooler: str | None = None) -> GraphSessionStorage:
        """Connect to `url`. The catalog is read first; only a missing table (or missing list
        indexes) is created, safely when several processes connect at once, so a role that may
        only read and write `sessions` connects to a migrated database. create_schema=False
        never creates anything: a missing table is a SchemaError (run `asm migrate`).
        prepare_threshold: PostgreSQL: psycopg's prepare_threshold; None (default) never
        prepares, safe behind a transaction pooler. cursor_secret: signs the cursors of `list`
        pages, as for `asm.connect`. pooler: "transaction" when `url` is a transaction-mode
        pooler (or `?pooler=transaction` in the URL), as for `asm.connect`."""
        prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
        secret = check_cursor_secret(cursor_secret)
        executor = SyncExecutor(with_pooler(parse_url(url), pooler))
        executor.database = Database(executor.dialect, cursor_secret=secret)
        storage = cls(executor)
        try:
            executor.open(min_size=min_size, max_size=max_size, timeout=timeout,
                          prepare_threshold=prepare_threshold)
            executor.run_job(operations.prepare_schema, create_schema)
        except BaseException:
            executor.close()
            raise
        return storage

    def save(self, session: GraphSession, expect_unchanged: bool = False) -> None:
        """Upsert `session`. With expect_unchanged=True, raise ConflictError if the stored row
        changed since this object was loaded (or, for a new object, if the id is taken)."""
        return self._executor.run(operations.save, session, expect_unchanged)

    def get(self, id: str) -> GraphSession | None:
        """The graph session with this id (a UUID), or None."""
        return self._executor.run(operations.get, id)

    def delete(self, id: str) -> None:
        """Delete the graph session with this id (idempotent)."""
        return self._executor.run(operations.delete, id)

    def append_message(self, id: str, role: MessageRole | str, content: str) -> ChatMessage:
        """Append a chat message in one statement, dropping the oldest beyond max_messages, so
        concurrent appends lose nothing; returns the stored message. NotFound for an unknown id."""
        return self._executor.run(operations.append_message, id, role, content)

    def list(self, graph_id: str | None = None, limit: int = 50, cursor: str | None = None) -> GraphSessionPage:
        """Graph sessions in creation order, one keyset page at a time."""
        return self._executor.run(operations.list_page, graph_id, limit, cursor)
