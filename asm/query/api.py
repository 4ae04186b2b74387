"""The QueryAPI, listed once for `store.query` on SessionStore and AsyncSessionStore."""

from __future__ import annotations

from asm.db.api import OperationTable, async_method, sync_method
from asm.query import events, export, runs, sessions


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


class QueryAPI(QueryOperations, wrap=sync_method):
    """`store.query` of a SessionStore: runs on the store's connections and transactions."""


class AsyncQueryAPI(QueryOperations, wrap=async_method):
    """`store.query` of an AsyncSessionStore."""
