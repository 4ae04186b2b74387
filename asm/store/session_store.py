# Generated from asm/store/async_session_store.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""SessionStore and `asm.connect`: sessions, runs and the event log of one database.

Each method runs one operation (asm/store/*.py), the store logic written once for both APIs.
Generated from its async twin by tools/async_to_sync.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from asm.arguments import EnumFilter, optional_count, optional_positive_int
from asm.core.sync_api import SyncStore
from asm.core.compat import run_blocking
from asm.core.sync_executor import SyncExecutor
from asm.core.database import DEFAULT_MAX_EVENT_BYTES, Database
from asm.cursors import check_cursor_secret
from asm.migrations import migrate as apply_migrations
from asm.migrations import migration_statements
from asm.drivers.urls import DatabaseURL, parse_url, with_pooler
from asm.enums import EventType, RunStatus, SessionStatus
from asm.records import Event, ExecutionResult, Run, Session
from asm.store import events as event_log
from asm.store import runs, schema, sessions, streaming
from asm.store.parts import Artifacts, Maintenance, QueryAPI
from asm.store.streaming import event_pages

# One type or its value, or a list (tuple, set) of them; None: every type.
EventTypes = EnumFilter[EventType]


class SessionStore(SyncStore):
    """Sessions, runs and the append-only event log in one database.
    Safe to share between threads. Open one with `asm.connect(url)`."""

    # -- sessions ----------------------------------------------------------------------------

    def save_session(self, session: Session) -> None:
        """Insert or update `session` by id. Every column takes the new value except
        `created_at` (kept from the first save) and `deleted_at` (a save never clears a soft
        delete; `restore_session` does)."""
        return self._executor.run(sessions.save_session, session)

    def get_session(self, id: str) -> Session:
        """The session with this id, soft-deleted or not. Raises SessionNotFound."""
        return self._executor.run(sessions.get_session, id)

    def list_sessions(self, *, status: SessionStatus | str | None = None, agent_id: str | None = None,
                      limit: int | None = None, offset: int = 0) -> list[Session]:
        """Sessions ordered by created_at, id, soft-deleted ones included. For keyset pages
        and more filters, use `store.query.search_sessions`."""
        return self._executor.run(sessions.list_sessions, status=status, agent_id=agent_id, limit=limit,
                                  offset=offset)

    def delete_session(self, id: str) -> None:
        """Hard-delete a session with its runs, events, sequence counter and artifact rows, in
        one transaction. Idempotent."""
        return self._executor.run(sessions.delete_session, id)

    def restore_session(self, id: str) -> None:
        """Clear the soft delete of a session. Raises SessionNotFound."""
        return self._executor.run(sessions.restore_session, id)

    # -- runs --------------------------------------------------------------------------------

    def save_run(self, run: Run) -> None:
        """Insert or replace `run` by id."""
        return self._executor.run(runs.save_run, run)

    def get_run(self, id: str) -> Run:
        """The run with this id. Raises RunNotFound."""
        return self._executor.run(runs.get_run, id)

    def list_runs(self, session_id: str, *, status: RunStatus | str | None = None,
                  limit: int | None = None) -> list[Run]:
        """A session's runs ordered by started_at, id."""
        return self._executor.run(runs.list_runs, session_id, status=status, limit=limit)

    def get_active_run(self, session_id: str) -> Run | None:
        """The session's most recently started run with status `running`, or None."""
        return self._executor.run(runs.get_active_run, session_id)

    # -- events ------------------------------------------------------------------------------

    def append_event(self, event: Event) -> None:
        """Append `event` at its session's next sequence number (1, 2, 3, ... with no gaps
        among committed events). Idempotent by event id: appending a stored id writes nothing."""
        return self._executor.run(event_log.append_event, event)

    def append_event_with_sequence(self, event: Event) -> Event:
        """Append `event` and return it as stored, with its sequence number (for an id already
        stored: the stored event, with its original number)."""
        return self._executor.run(event_log.append_event_with_sequence, event)

    def append_events(self, events: list[Event]) -> list[Event]:
        """Append a batch in one transaction: each session gets a contiguous block of numbers in
        input order; ids already stored (or repeated in the batch) collapse to the stored event.
        Returns the stored events in input order. Any invalid event: ValidationError, nothing
        written."""
        return self._executor.run(event_log.append_events, events)

    def flush(self, result: ExecutionResult) -> None:
        """Save the session, the run and the events of one execution in one transaction; the
        result's provider_metadata is merged into the run's (its keys win)."""
        return self._executor.run(event_log.flush, result)

    def get_events(self, session_id: str, *, run_id: str | None = None, type: EventTypes = None,
                   since: datetime | None = None, after: int | None = None, before: int | None = None,
                   limit: int | None = None, last: int | None = None,
                   wait_timeout_ms: int | None = None) -> list[Event]:
        """A session's events in sequence order. `type` is one type or a list; `since` an
        inclusive time; `after`/`before` exclusive sequence bounds; all combine with AND. Then
        `limit=N` keeps the first N matches, or `last=N` the latest N (the tail, read in one
        statement; still in sequence order). With `wait_timeout_ms`, an empty result waits until
        a matching event is appended (by any process) or the timeout passes, then returns what matches."""
        return self._executor.run_job(
            streaming.get_events, session_id, run_id=run_id, type=type, since=since, after=after, before=before,
            limit=limit, last=last, wait_timeout_ms=wait_timeout_ms)

    def iter_events(self, session_id: str, *, batch_size: int = 500, run_id: str | None = None,
                    type: EventTypes = None, since: datetime | None = None, after: int | None = None,
                    before: int | None = None, reverse: bool = False) -> Iterator[Event]:
        """Every event matching the `get_events` filters, read in keyset pages of `batch_size`,
        in bounded memory: in sequence order, or newest first with `reverse=True`."""
        pages = event_pages(session_id, batch_size, {"run_id": run_id, "type": type, "since": since,
                                                     "after": after, "before": before}, reverse)
        arguments = next(pages)
        while True:
            page = self.get_events(**arguments)
            for event in reversed(page) if reverse else page:
                yield event
            try:
                arguments = pages.send(page)
            except StopIteration:
                return

    def get_latest_sequence(self, session_id: str) -> int:
        """The session's counter: the last number handed out, 0 when none. Pruning never lowers it."""
        return self._executor.run(event_log.get_latest_sequence, session_id)

    # -- the other parts ---------------------------------------------------------------------

    @functools.cached_property
    def query(self) -> QueryAPI:
        """Cross-session search, statistics, usage, export and import."""
        return QueryAPI(self._executor)

    @functools.cached_property
    def artifacts(self) -> Artifacts:
        """The artifact registry: metadata of blobs stored elsewhere."""
        return Artifacts(self._executor)

    @functools.cached_property
    def maintenance(self) -> Maintenance:
        """Retention and maintenance."""
        return Maintenance(self._executor)

    def transaction(self) -> AbstractContextManager[None]:
        """`with store.transaction():` every store call inside runs in one database
        transaction, committed at the end, rolled back on an exception. Nested blocks are
        savepoints."""
        return self._executor.transaction()


def connect(url: str | DatabaseURL, *, migrate: bool = False, min_size: int = 1, max_size: int = 10,
            timeout: float = 30.0, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES,
            prepare_threshold: int | None = None,
            cursor_secret: str | bytes | None = None, pooler: str | None = None,
            listen_url: str | DatabaseURL | None = None,
            replica_urls: Sequence[str | DatabaseURL] = (),
            max_replica_lag: float = 5.0) -> SessionStore:
    """An SessionStore on `url` (sqlite:///path, postgresql://..., mysql://...).

    With migrate=True, pending migrations are applied first; without it, a database whose
    schema is missing or older than this package raises SchemaError.

    max_event_bytes: the largest JSON text of an event's `data` or `metadata` (UTF-8 bytes;
    None: no limit), checked before any SQL runs.

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

    pooler (PostgreSQL): "transaction" when `url` is a connection pooler (PgBouncer and the
    like) in transaction mode; the URL may say it instead, with `?pooler=transaction`. Then
    migrate=True is refused (migrate with a direct URL), and long polls LISTEN on
    `listen_url`, a direct URL to the same server; without one they poll. "statement" is
    refused: asm needs transactions. See docs/behaviour.md, "Connection poolers".

    replica_urls (PostgreSQL): hot standbys of `url` (each may say `?pooler=transaction`), each
    with a pool like the primary's. Reads outside `transaction()` and outside long polls may go
    to one that has replayed this store's own writes and the primary's WAL of at most
    `max_replica_lag` seconds ago; everything else, and every read no replica qualifies for,
    goes to the primary. A replica that cannot be reached (at connect or later) is skipped for a
    backoff and its reads go to the primary. See docs/behaviour.md, "Read replicas".
    """
    max_event_bytes = optional_positive_int(max_event_bytes, "max_event_bytes")
    prepare_threshold = optional_count(prepare_threshold, "prepare_threshold")
    secret = check_cursor_secret(cursor_secret)
    database_url = with_pooler(parse_url(url), pooler)
    # Checks the pooler, listen_url and replicas first.
    executor = SyncExecutor(database_url, listen_url, replica_urls, max_replica_lag)
    if migrate and not database_url.is_memory:
        run_blocking(apply_migrations, database_url)
    executor.database = Database(executor.dialect, max_event_bytes=max_event_bytes, cursor_secret=secret)
    try:
        executor.open(min_size=min_size, max_size=max_size, timeout=timeout,
                      prepare_threshold=prepare_threshold)
        if migrate and database_url.is_memory:
            executor.execute_statements(migration_statements(database_url.dialect))
        executor.run(schema.check_schema)
    except BaseException:
        executor.close()
        raise
    return SessionStore(executor)
