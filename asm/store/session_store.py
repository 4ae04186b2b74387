"""SessionStore: the sync API of CONTRACT §4, and `asm.connect`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from asm.db.executor import SyncExecutor
from asm.db.migrations import migrate as apply_migrations
from asm.db.migrations import migration_statements
from asm.db.urls import DatabaseURL, parse_url
from asm.store import events, runs, schema, sessions
from asm.store.methods import sync_method


class SessionStore:
    """Sessions, runs and the event log in one database. Safe to share between threads."""

    def __init__(self, executor: SyncExecutor):
        self._executor = executor

    @property
    def url(self) -> DatabaseURL:
        return self._executor.url

    @property
    def dialect(self) -> str:
        return self._executor.dialect.name

    def transaction(self) -> AbstractContextManager[None]:
        """Every store call inside runs in one transaction: committed at the end, rolled back on error."""
        return self._executor.transaction()

    def close(self) -> None:
        self._executor.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SessionStore {self.url}>"

    save_session = sync_method(sessions.save_session)
    get_session = sync_method(sessions.get_session)
    list_sessions = sync_method(sessions.list_sessions)
    delete_session = sync_method(sessions.delete_session)
    restore_session = sync_method(sessions.restore_session)

    save_run = sync_method(runs.save_run)
    get_run = sync_method(runs.get_run)
    list_runs = sync_method(runs.list_runs)
    get_active_run = sync_method(runs.get_active_run)

    append_event = sync_method(events.append_event)
    append_event_with_sequence = sync_method(events.append_event_with_sequence)
    append_events = sync_method(events.append_events)
    flush = sync_method(events.flush)
    get_events = sync_method(events.get_events)
    get_latest_sequence = sync_method(events.get_latest_sequence)


def connect(url: str, *, migrate: bool = False, min_size: int = 1, max_size: int = 10,
            timeout: float = 30.0) -> SessionStore:
    """A SessionStore on `url` (sqlite:///path, postgresql://..., mysql://...).

    With migrate=True, pending migrations are applied first; without it, a database whose
    schema is missing or older than this package raises SchemaError.
    """
    url = parse_url(url)
    if migrate and not url.is_memory:
        apply_migrations(url)
    executor = SyncExecutor(url, min_size=min_size, max_size=max_size, timeout=timeout)
    try:
        if migrate and url.is_memory:
            executor.execute_statements(migration_statements(url.dialect))
        executor.run(schema.check_schema, executor.dialect)
    except BaseException:
        executor.close()
        raise
    return SessionStore(executor)
