"""The SessionStore API (CONTRACT §4), listed once for SessionStore and AsyncSessionStore."""

from __future__ import annotations

from asm.db.api import OperationTable
from asm.store import events, runs, sessions, streaming


class StoreOperations(OperationTable):
    """The operations of CONTRACT §4, for SessionStore and AsyncSessionStore."""

    save_session = sessions.save_session
    get_session = sessions.get_session
    list_sessions = sessions.list_sessions
    delete_session = sessions.delete_session
    restore_session = sessions.restore_session

    save_run = runs.save_run
    get_run = runs.get_run
    list_runs = runs.list_runs
    get_active_run = runs.get_active_run

    append_event = events.append_event
    append_event_with_sequence = events.append_event_with_sequence
    append_events = events.append_events
    flush = events.flush
    get_events = streaming.get_events
    get_latest_sequence = events.get_latest_sequence
