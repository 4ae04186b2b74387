"""PostgreSQL's word that events were appended, for long polls: what the sync and async
listeners share.

Migration 0004 adds a trigger that sends NOTIFY asm_events with the session id in the appending
transaction; PostgreSQL delivers it at COMMIT, so a woken reader finds the events. Each store
has one listening connection (listener.py, async_listener.py), opened by its first long poll.

A NOTIFY makes PostgreSQL commit its transaction alone (the notification queue's lock is held
until the commit is flushed), so appends notify only when a long poll waits (migration 0008):
before each read, a long poll marks its session (`watch_appends`: notify_until on the session's
counter row, for its wait and a minute more, rewritten only when it would run out sooner). An
append locks that row until it commits, so either it sees the mark and notifies, or the mark
waits for its commit and the read after the mark finds its events. A session with no counter
row takes no mark; its first append (number 1) notifies whatever the mark.

No append may be missed: a long poll registers with `Waiters` before its first read, and
its flag stays set until it reads again. A lost listening connection may miss notifications,
so every waiter is woken when it goes down (they poll until it is back) and when it is back.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from asm.core.database import Database
from asm.core.operation import Call, Steps, operation

LISTEN_SQL = "LISTEN asm_events"
# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "asm-listener"
# The listening connection reconnects with this backoff while the server is away.
RECONNECT_FIRST_S = 0.1
RECONNECT_LONGEST_S = 5.0
# A long poll's mark lasts this much longer than its wait, so the next long polls on the session
# find it in place and write nothing; it is rewritten when it has less than the wait plus
# MARK_MARGIN_S left (the margin covers the time between the mark and the wait's start).
MARK_EXTRA_S = 60.0
MARK_MARGIN_S = 5.0


class Flag(Protocol):
    def set(self) -> Any: ...


class Waiters:
    """Who waits on which session, and whether notifications arrive at all (`live`)."""

    def __init__(self) -> None:
        # The sync listener wakes waiters from its own thread.
        self._lock = threading.Lock()
        self._flags: dict[str, set[Flag]] = {}
        self.live = False

    def add(self, session_id: str, flag: Flag) -> None:
        with self._lock:
            self._flags.setdefault(session_id, set()).add(flag)

    def remove(self, session_id: str, flag: Flag) -> None:
        with self._lock:
            flags = self._flags.get(session_id)
            if flags is not None:
                flags.discard(flag)
                if not flags:
                    del self._flags[session_id]

    def wake(self, session_id: str) -> None:
        with self._lock:
            flags = list(self._flags.get(session_id, ()))
        for flag in flags:
            flag.set()

    def set_live(self, live: bool) -> None:
        """The listening connection came up or went down: everyone reads again."""
        with self._lock:
            self.live = live
            flags = [flag for flags in self._flags.values() for flag in flags]
        for flag in flags:
            flag.set()


def next_reconnect_pause(pause: float) -> float:
    return min(pause * 2, RECONNECT_LONGEST_S)


@operation(write=True)
def watch_appends(db: Database, session_id: str, seconds: float) -> Steps[None]:
    """Have appends to the session notify long polls for `seconds` and more (the module says how)."""
    yield Call("watch_session_appends", {"session_id": session_id, "mark_seconds": seconds + MARK_EXTRA_S,
                                         "min_seconds": seconds + MARK_MARGIN_S})
