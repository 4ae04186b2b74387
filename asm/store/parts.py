# Generated from asm/store/async_parts.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""The parts of an SessionStore: `store.query`, `store.maintenance`, `store.artifacts`.

Each method runs one operation or job, written once for both APIs. Generated from its async twin by tools/async_to_sync.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from asm import artifacts
from asm.artifacts import ArtifactStats
from asm.core.sync_api import SyncAPI
from asm.enums import EventType, RunStatus, SessionStatus
from asm.maintenance import jobs
from asm.maintenance import operations as maintenance_operations
from asm.maintenance.policy import MaintenanceReport, RetentionPolicy
from asm.query import events, export, export_stream, runs, sessions
from asm.query.export import SessionExport
from asm.query.export_stream import ExportSource, ExportSummary, ExportTarget, OnEvents
from asm.query.records import EventPage, RunPage, SessionPage, SessionStats, UsageSummary
from asm.records import Artifact

DEFAULT_BATCH_SIZE = jobs.DEFAULT_BATCH_SIZE
Ids = Sequence[str] | None


class QueryAPI(SyncAPI):
    """`store.query`: cross-session search with keyset pages, statistics, usage, export and import."""

    def search_sessions(
    self, *, agent_id: str | None = None,
    status: SessionStatus | str | list[SessionStatus | str] | None = None, provider: str | None = None,
    tags: list[str] | None = None, created_after: datetime | None = None,
    created_before: datetime | None = None, include_deleted: bool = False,
    order_by: Literal["updated_at_desc", "created_at_desc", "created_at_asc"] = "updated_at_desc",
    limit: int = 50, cursor: str | None = None, with_total: bool = False,
    ) -> SessionPage:
        """Sessions matching every given filter, one keyset page at a time (pass the page's
        `cursor` for the next). `provider`: sessions having a run by it; `tags`: all must match.
        `total_count` is counted only with `with_total=True` (it reads every match), else None."""
        return self._executor.run(
            sessions.search_sessions, agent_id=agent_id, status=status, provider=provider, tags=tags,
            created_after=created_after, created_before=created_before, include_deleted=include_deleted,
            order_by=order_by, limit=limit, cursor=cursor, with_total=with_total)

    def get_session_stats(self, session_id: str) -> SessionStats:
        """Event and run counts, token totals, providers used and the event time range of one
        session. Raises SessionNotFound."""
        return self._executor.run(sessions.get_session_stats, session_id)

    def search_runs(
    self, *, session_id: str | None = None, provider: str | None = None,
    status: RunStatus | str | list[RunStatus | str] | None = None, started_after: datetime | None = None,
    started_before: datetime | None = None, min_tokens: int | None = None,
    order_by: Literal["started_at_desc", "started_at_asc", "token_usage_desc"] = "started_at_desc",
    limit: int = 50, cursor: str | None = None,
    ) -> RunPage:
        """Runs matching every given filter, one keyset page at a time; `min_tokens` bounds
        token_usage.total_tokens from below."""
        return self._executor.run(
            runs.search_runs, session_id=session_id, provider=provider, status=status,
            started_after=started_after, started_before=started_before, min_tokens=min_tokens,
            order_by=order_by, limit=limit, cursor=cursor)

    def get_usage_summary(self, *, session_id: str | None = None, agent_id: str | None = None,
                          provider: str | None = None, since: datetime | None = None,
                          until: datetime | None = None) -> UsageSummary:
        """Token usage of the matching runs, summed in SQL: in total and per provider
        ("unknown" for runs without one)."""
        return self._executor.run(runs.get_usage_summary, session_id=session_id, agent_id=agent_id,
                                  provider=provider, since=since, until=until)

    def search_events(
    self, *, session_ids: Ids = None, run_ids: Ids = None,
    types: Sequence[EventType | str] | None = None, providers: Ids = None,
    since: datetime | None = None, until: datetime | None = None, correlation_id: str | None = None,
    order_by: Literal["sequence_asc", "timestamp_asc", "timestamp_desc"] = "sequence_asc",
    limit: int = 100, cursor: str | None = None,
    ) -> EventPage:
        """Events across sessions matching every given filter, one keyset page at a time.
        `sequence_asc` goes session by session (in id order), each in sequence order."""
        return self._executor.run(
            events.search_events, session_ids=session_ids, run_ids=run_ids, types=types, providers=providers,
            since=since, until=until, correlation_id=correlation_id, order_by=order_by, limit=limit,
            cursor=cursor)

    def count_events(
    self, *, session_ids: Ids = None, run_ids: Ids = None,
    types: Sequence[EventType | str] | None = None, providers: Ids = None,
    since: datetime | None = None, until: datetime | None = None, correlation_id: str | None = None,
    ) -> int:
        """How many events `search_events` would return over all its pages."""
        return self._executor.run(
            events.count_events, session_ids=session_ids, run_ids=run_ids, types=types, providers=providers,
            since=since, until=until, correlation_id=correlation_id)

    def export_session(self, session_id: str, *, include_artifacts: bool = False) -> SessionExport:
        """Everything stored about one session, in memory (`export.to_json()` for the JSON
        document). Raises SessionNotFound."""
        return self._executor.run(export.export_session, session_id, include_artifacts=include_artifacts)

    def import_session(self, export: SessionExport) -> None:
        """Write an export back with the same ids and sequence numbers, on any dialect
        (idempotent). An event number or artifact key held by another id raises ConflictError
        and nothing is written."""
        return self._executor.run(_import_session, export)

    def export_session_to(self, session_id: str, file: ExportTarget, *,
                          include_artifacts: bool = False, on_events: OnEvents = None) -> ExportSummary:
        """Write the export of a session to `file` (a path, or a text or binary file object):
        the same JSON text as `export_session(...).to_json()`, streamed in bounded memory.
        `on_events(n)`, if given, hears the number of events written so far after each page."""
        return self._executor.run_job(export_stream.export_session_to, session_id, file,
                                            include_artifacts=include_artifacts, on_events=on_events)

    def import_session_from(self, file: ExportSource, *, on_events: OnEvents = None) -> ExportSummary:
        """Import an export document from `file` (a path, or a binary or text file object),
        streamed in bounded memory, in one transaction: any error writes nothing. The summary's
        `changes` say what was created, updated or kept; `on_events(n)`, if given, hears the
        number of events written so far after each batch."""
        with self._executor.transaction():
            return self._executor.run_job(export_stream.import_session_from, file, on_events)


# The module-level name keeps `export`, the argument of import_session, from hiding the module.
_import_session = export.import_session


class Maintenance(SyncAPI):
    """`store.maintenance`: retention (soft delete, hard delete, pruning), orphan cleaning and
    a health check, in batches that are each their own transaction."""

    def execute(self, policy: RetentionPolicy, *, dry_run: bool = False,
                on_batch: jobs.OnBatch = None) -> MaintenanceReport:
        """Soft delete, hard delete, prune, clean orphaned artifacts and counters, in that
        order; a failing step is reported in `errors` and the next still runs. dry_run=True
        runs it all in one transaction that is rolled back: the counts are a real run's.
        `on_batch(step, total)`, if given, hears each step's running total after each batch
        (each its own committed transaction, outside a dry run)."""
        return self._executor.run_job(jobs.execute, policy, dry_run=dry_run, on_batch=on_batch)

    def soft_delete_expired_sessions(self, policy: RetentionPolicy) -> int:
        """Soft-delete non-exempt sessions past the policy's ages; returns how many."""
        return self._executor.run_job(jobs.soft_delete_expired_sessions, policy)

    def hard_delete_expired_sessions(self, policy: RetentionPolicy) -> int:
        """Hard-delete sessions soft-deleted longer than hard_delete_after_days ago, with
        everything they own; returns how many."""
        return self._executor.run_job(jobs.hard_delete_expired_sessions, policy)

    def prune_session_events(self, session_id: str, policy: RetentionPolicy) -> int:
        """Prune a session's oldest events beyond max_events_per_session (prune-first types
        first, protected types never); returns how many. The counter is left alone."""
        return self._executor.run_job(jobs.prune_session_events, session_id, policy)

    def clean_orphaned_artifacts(self, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Delete artifact rows whose session no longer exists; returns how many."""
        return self._executor.run_job(jobs.clean_orphaned_artifacts, batch_size)

    def clean_orphaned_sequences(self, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Delete sequence counters that neither a session row nor any event uses; returns how
        many. A later append never reuses a number."""
        return self._executor.run_job(jobs.clean_orphaned_sequences, batch_size)

    def health_check(self) -> list[str]:
        """Problems found, empty when healthy: events or runs of missing sessions, counters
        lower than their session's highest stored number."""
        return self._executor.run(maintenance_operations.health_check)


class Artifacts(SyncAPI):
    """`store.artifacts`: metadata of blobs stored elsewhere, unique by key among live ones."""

    def register(
    self, *, key: str, size_bytes: int, session_id: str | None = None, run_id: str | None = None,
    type: str | None = None, content_type: str | None = None, checksum_sha256: str | None = None,
    storage_backend: str | None = None, storage_ref: str | None = None,
    metadata: dict[str, Any] | None = None, id: str | None = None,
    ) -> Artifact:
        """Register an artifact. Raises AlreadyExists when a live one has the key (a
        soft-deleted one is replaced)."""
        return self._executor.run(
            artifacts.register, key=key, size_bytes=size_bytes, session_id=session_id, run_id=run_id, type=type,
            content_type=content_type, checksum_sha256=checksum_sha256, storage_backend=storage_backend,
            storage_ref=storage_ref, metadata=metadata, id=id)

    def get_by_key(self, key: str) -> Artifact | None:
        """The live artifact with this key, or None."""
        return self._executor.run(artifacts.get_by_key, key)

    def list_by_session(self, session_id: str) -> list[Artifact]:
        """A session's live artifacts, ordered by created_at, id."""
        return self._executor.run(artifacts.list_by_session, session_id)

    def session_stats(self, session_id: str) -> ArtifactStats:
        """How many live artifacts a session has, and their total size in bytes."""
        return self._executor.run(artifacts.session_stats, session_id)

    def delete(self, key: str) -> None:
        """Soft-delete the live artifact with this key (idempotent)."""
        return self._executor.run(artifacts.delete, key)
