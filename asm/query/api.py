"""The QueryAPI, listed once for `store.query` on SessionStore and AsyncSessionStore."""

from __future__ import annotations

from typing import Any

from asm.db.api import OperationTable, async_method, sync_method
from asm.query import events, export, export_stream, runs, sessions
from asm.query.export_stream import ExportSummary


class QueryOperations(OperationTable):
    """The operations of CONTRACT §5."""

    search_sessions = sessions.search_sessions
    get_session_stats = sessions.get_session_stats
    search_runs = runs.search_runs
    get_usage_summary = runs.get_usage_summary
    search_events = events.search_events
    count_events = events.count_events
    export_session = export.export_session
    import_session = export.import_session
    export_session_to = export_stream.export_session_to
    # Run by import_session_from below, inside one transaction.
    _import_session_from = export_stream.import_session_from


class QueryAPI(QueryOperations, wrap=sync_method):
    """`store.query` of a SessionStore: runs on the store's connections and transactions."""

    def import_session_from(self, file: Any) -> ExportSummary:
        """Import an export document from `file` (a path, or a binary or text file object),
        streamed in bounded memory, all or nothing (see asm/query/export_stream.py)."""
        with self._executor.transaction():
            return self._import_session_from(file)


class AsyncQueryAPI(QueryOperations, wrap=async_method):
    """`store.query` of an AsyncSessionStore."""

    async def import_session_from(self, file: Any) -> ExportSummary:
        """Import an export document from `file` (a path, or a binary or text file object),
        streamed in bounded memory, all or nothing (see asm/query/export_stream.py)."""
        async with self._executor.transaction():
            return await self._import_session_from(file)
