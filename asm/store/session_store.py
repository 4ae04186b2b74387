"""SessionStore, the sync API of CONTRACT §4, and `asm.connect`."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from asm.arguments import optional_count, optional_positive_int
from asm.artifacts import Artifacts
from asm.cursors import check_cursor_secret
from asm.db.api import SyncStore, sync_method
from asm.db.dialects import DEFAULT_MAX_EVENT_BYTES
from asm.db.executor import SyncExecutor
from asm.db.migrations import migrate as apply_migrations
from asm.db.migrations import migration_statements
from asm.db.urls import parse_url
from asm.maintenance.api import Maintenance
from asm.query.api import QueryAPI
from asm.records import Event
from asm.store import schema
from asm.store.methods import StoreOperations
from asm.store.streaming import event_pages


class SessionStore(SyncStore, StoreOperations, wrap=sync_method):
    """Sessions, runs and the event log in one database. Safe to share between threads.

    Its methods are the operations listed in StoreOperations (asm/store/methods.py).
    """

    def iter_events(self, session_id: str, *, batch_size: int = 500, **filters: Any) -> Iterator[Event]:
        """Every event matching the get_events filters, page by page, in bounded memory."""
        pages = event_pages(session_id, batch_size, filters)
        arguments = next(pages)
        while True:
            page = self.get_events(**arguments)
            yield from page
            try:
                arguments = pages.send(page)
            except StopIteration:
                return

    @functools.cached_property
    def query(self) -> QueryAPI:
        """Cross-session search, statistics, usage, export and import (CONTRACT §5)."""
        return QueryAPI(self._executor)

    @functools.cached_property
    def artifacts(self) -> Artifacts:
        """The artifact registry (CONTRACT §7)."""
        return Artifacts(self._executor)

    @functools.cached_property
    def maintenance(self) -> Maintenance:
        """Retention and maintenance (CONTRACT §6)."""
        return Maintenance(self._executor)

    def transaction(self) -> AbstractContextManager[None]:
        """Every store call inside runs in one transaction: committed at the end, rolled back on error."""
        return self._executor.transaction()


def connect(url: str, *, migrate: bool = False, min_size: int = 1, max_size: int = 10,
            timeout: float = 30.0, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES,
            prepare_threshold: int | None = None, cursor_secret: str | bytes | None = None) -> SessionStore:
    """A SessionStore on `url` (sqlite:///path, postgresql://..., mysql://...).

    With migrate=True, pending migrations are applied first; without it, a database whose
    schema is missing or older than this package raises SchemaError.

    prepare_threshold (PostgreSQL; checked, then ignored, elsewhere): psycopg's, the executions
    of a statement on a connection after which it is prepared on the server. None, the
    default, never prepares, which is what a transaction-pooling PgBouncer needs (it hands a
    server connection from client to client, and another client's prepared statement would
    run). On a direct connection, or through a pooler that keeps prepared statements per
    client, `prepare_threshold=5` (psycopg's default) saves the server some parsing and
    planning (see bench/findings.md).

    cursor_secret: signs the keyset cursors of `store.query` pages: only stores given the same
    secret accept them, so give every worker of one service the same long random value (a
    str or bytes). None, the default, signs with a key built into asm, which catches edited
    and truncated cursors but not forged ones.
    """
    max_event_bytes = optional_positive_int(max_event_bytes, "max_event_bytes")
    prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
    cursor_secret = check_cursor_secret(cursor_secret)
    url = parse_url(url)
    if migrate and not url.is_memory:
        apply_migrations(url)
    executor = SyncExecutor(url, min_size=min_size, max_size=max_size, timeout=timeout,
                            prepare_threshold=prepare_threshold)
    executor.dialect = executor.dialect.with_limits(max_event_bytes=max_event_bytes, cursor_secret=cursor_secret)
    try:
        if migrate and url.is_memory:
            executor.execute_statements(migration_statements(url.dialect))
        executor.run(schema.check_schema, executor.dialect)
    except BaseException:
        executor.close()
        raise
    return SessionStore(executor)
