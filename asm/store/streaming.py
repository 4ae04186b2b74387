"""Reading the event log as it grows: get_events with a long poll, and iter_events pages.

The long poll waits between reads without holding a connection, so waiters never starve
other calls of the pool and cancelling one frees nothing. On PostgreSQL it sleeps until the
session gets events (LISTEN/NOTIFY, see asm/notify/waiters.py: before it reads, it marks the
session so that its appends notify); elsewhere, or while the listening connection is down, it
re-reads with a short backoff.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import datetime
from typing import Any

from asm.arguments import EnumFilter, flag, optional_count, positive_int
from asm.core.database import Database
from asm.core.operation import Listen, Pause, JobSteps, RunOperation, job
from asm.enums import EventType
from asm.errors import ValidationError
from asm.records import Event
from asm.store import events

FIRST_PAUSE_S = 0.01
LONGEST_PAUSE_S = 0.2


@job
def get_events(
    db: Database, session_id: str, *, run_id: str | None = None,
    type: EnumFilter[EventType] = None, since: datetime | None = None,
    after: int | None = None, before: int | None = None, limit: int | None = None,
    last: int | None = None, wait_timeout_ms: int | None = None,
) -> JobSteps[list[Event]]:
    """A session's events in sequence order; filters combine with AND, then `limit` keeps the
    first N or `last` the latest N. With wait_timeout_ms, an empty result waits until a matching
    event is appended (by any process) or the timeout passes, then returns what matches."""
    wait = optional_count(wait_timeout_ms, "wait_timeout_ms")
    filters = {"run_id": run_id, "type": type, "since": since, "after": after, "before": before, "limit": limit,
               "last": last}
    read = RunOperation(events.read_events, (session_id,), filters)
    found: list[Event]
    if not wait:
        found = yield read
        return found
    deadline = time.monotonic() + wait / 1000
    # Before the first read: an append committed after it wakes us.
    notified = yield Listen(session_id, wait / 1000)
    found = yield read
    pause = FIRST_PAUSE_S
    while not found and (remaining := deadline - time.monotonic()) > 0:
        if notified:
            live = yield Pause(remaining)
        else:
            live = yield Pause(min(pause, remaining))
            pause = min(pause * 2, LONGEST_PAUSE_S)
        # Again before each read: the session's mark may be gone (asm/notify/waiters.py).
        notified = (yield Listen(session_id, remaining)) if live else False
        found = yield read
    return found


def event_pages(session_id: str, batch_size: int, filters: dict[str, Any],
                reverse: bool = False) -> Generator[dict[str, Any], list[Event], None]:
    """The get_events arguments of each page of iter_events (keyset on sequence number): send
    each page back to get the next page's arguments; it stops after the last page. With
    `reverse`, each page is the latest `batch_size` events before the previous one (pages come
    in sequence order; the caller walks each backwards)."""
    positive_int(batch_size, "batch_size")
    flag(reverse, "reverse")
    if {"limit", "last", "wait_timeout_ms"} & filters.keys():
        raise ValidationError("iter_events takes no limit, last or wait_timeout_ms: it reads every matching event",
                              details={"field": "limit"})
    filters = dict(filters)  # the caller's stays as it was
    bound, key = ("before", "last") if reverse else ("after", "limit")
    position = filters.pop(bound, None)
    while True:
        page = yield {"session_id": session_id, bound: position, key: batch_size, **filters}
        if len(page) < batch_size:
            return
        position = (page[0] if reverse else page[-1]).sequence_number
