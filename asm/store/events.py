"""The append-only event log: sequenced appends, batches, flush, reads.

Sequencing rule: each session's counter (asm_session_sequences) hands out 1, 2, 3, ...;
a number is reserved and its event inserted in one transaction, so a rollback returns
the number and committed events have no gaps. An event id is stored at most once,
globally: appending a stored id returns the stored event and reserves nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from asm.arguments import (
    EnumFilter,
    enum_list,
    optional_count,
    optional_datetime,
    optional_id,
    require_id,
    require_record,
)
from asm.core.database import Database
from asm.drivers.dialects import Dialect
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import from_row, to_params
from asm.enums import EventType
from asm.errors import StorageWriteFailed, ValidationError
from asm.ids import utc_now
from asm.records import INT64_MAX, Event, ExecutionResult
from asm.store.chunks import insert_document, insert_rows, rows_by_ids
from asm.store.runs import save_run
from asm.store.sessions import save_session

TABLE = "asm_events"

# Dialects whose insert_events takes a batch as one JSON document, one statement per piece:
# psycopg's executemany runs one INSERT per row, and the statement trigger of migration 0004
# fired for each (1,000 events: 1,000 firings). PyMySQL and aiomysql turn executemany into
# multi-row INSERTs already and SQLite's runs in-process: there a one-statement JSON form was
# slower (bench/results/batch_append.md).
_BATCH_AS_DOCUMENT = frozenset({"postgres"})


def _needs_transaction(dialect: Dialect) -> bool:
    # PostgreSQL appends one event in one statement, atomic by itself: no BEGIN ... COMMIT.
    return not dialect.appends_in_one_statement


@operation(write=True, retry=True, atomic=_needs_transaction)
def append_event(db: Database, event: Event) -> Steps[None]:
    """Append `event` at its session's next sequence number (idempotent by event id)."""
    yield from _append_one(db, event)


@operation(write=True, retry=True, atomic=_needs_transaction)
def append_event_with_sequence(db: Database, event: Event) -> Steps[Event]:
    """Append `event` and return it as stored, with its sequence number."""
    return (yield from _append_one(db, event))


@operation(write=True, retry=True)
def append_events(db: Database, events: list[Event]) -> Steps[list[Event]]:
    """Append a batch in one transaction; each session gets a contiguous block in input order."""
    return (yield from _append_many(db, _event_params(db, events)))


@operation(write=True, retry=True)
def flush(db: Database, result: ExecutionResult) -> Steps[None]:
    """Save the session, the run and the events of one execution in one transaction.

    The result's provider_metadata is merged into the run's (its keys win).
    """
    require_record(result, ExecutionResult, "result")
    run = result.run
    if result.provider_metadata:
        run = attrs.evolve(run, provider_metadata={**run.provider_metadata, **result.provider_metadata})
    events = _event_params(db, result.events)
    yield from save_session(db, result.session)
    yield from save_run(db, run)
    yield from _append_many(db, events)


@operation()
def read_events(
    db: Database, session_id: str, *, run_id: str | None = None,
    type: EnumFilter[EventType] = None, since: datetime | None = None,
    after: int | None = None, before: int | None = None, limit: int | None = None,
) -> Steps[list[Event]]:
    """One read of a session's events in sequence order (the store's get_events adds the long poll);
    filters combine with AND, limit applies last."""
    types = enum_list(EventType, type, "type")
    since = optional_datetime(since, "since")
    params = {
        "session_id": require_id(session_id, "session_id"),
        "run_id": optional_id(run_id, "run_id"),
        "types": None if types is None else db.dialect.encode_list([t.value for t in types]),
        "since": db.dialect.encode_ts(since),
        "after": optional_count(after, "after"),
        "before": optional_count(before, "before"),
        "limit": optional_count(limit, "limit"),
    }
    if params["limit"] == 0:
        return []
    if params["limit"] is None:
        params["limit"] = db.dialect.no_limit
    rows = yield Call("get_events", params)
    return [from_row(db.dialect, Event, TABLE, row) for row in rows]


@operation()
def get_latest_sequence(db: Database, session_id: str) -> Steps[int]:
    """The session's counter: the last number handed out, 0 when none (pruning never lowers it)."""
    value = yield Call("get_latest_sequence", {"session_id": require_id(session_id, "session_id")})
    return value or 0


# -- sequencing ----------------------------------------------------------------------------


def _append_one(db: Database, event: Event) -> Steps[Event]:
    params = check_event_size(db, to_params(db.dialect, require_record(event, Event, "event")), "")
    if db.dialect.appends_in_one_statement:
        row = yield Call("append_event", {**params, "now": db.dialect.encode_ts(utc_now())})
        if row is None:
            raise sequence_exhausted(params["session_id"], 1)
        if not row["already_stored"]:
            return from_row(db.dialect, Event, TABLE, {**params, "sequence_number": row["sequence_number"]})
        rows = yield Call("get_event_by_id", {"id": params["id"]})
        if rows:
            return from_row(db.dialect, Event, TABLE, rows[0])
        # Deleted by retention meanwhile: the id is free again, so this appends it.
        return (yield from _append_one(db, event))
    (stored,) = yield from _append_many(db, [params], one=True)
    return stored


def _event_params(db: Database, events: Any) -> list[dict[str, Any]]:
    """Every event checked and encoded before anything is written."""
    if not isinstance(events, (list, tuple)):
        raise ValidationError(
            f"events must be a list of asm.Event, not {type(events).__name__}", details={"field": "events"}
        )
    return [check_event_size(db, to_params(db.dialect, require_record(e, Event, f"events[{i}]")), f"events[{i}].")
            for i, e in enumerate(events)]


def check_event_size(db: Database, params: dict[str, Any], where: str) -> dict[str, Any]:
    """An event's encoded params, unless its `data` or `metadata` JSON text is longer than the
    store's limit (`db.max_event_bytes`, set by `asm.connect(max_event_bytes=...)`)."""
    limit = db.max_event_bytes
    for field in ("data", "metadata"):
        text = params[field]
        # A character takes 1 to 4 bytes in UTF-8: most texts need no encoding to be measured.
        if limit is not None and len(text) * 4 > limit and (size := len(text.encode())) > limit:
            raise ValidationError(
                f"{where}{field} is {size} bytes of JSON, more than the limit of {limit} (max_event_bytes)",
                details={"field": f"{where}{field}", "size_bytes": size, "max_event_bytes": limit},
            )
    return params


def _append_many(db: Database, params: list[dict[str, Any]], one: bool = False) -> Steps[list[Event]]:
    """Append encoded events; with one=True, a single event through its own query."""
    if not params:
        return []
    # The first occurrence of an id in the batch is the one appended; repeats collapse onto it.
    first: dict[str, dict[str, Any]] = {}
    for p in params:
        first.setdefault(p["id"], p)
    if len(first) == 1:
        # A key lookup: cheaper than expanding a list of one (JSON_TABLE, json_each).
        rows = yield Call("get_event_by_id", {"id": next(iter(first))})
    else:
        # In pieces that fit the server's statement size limit, all in this transaction.
        rows = yield from rows_by_ids(db, "get_events_by_ids", list(first))
    appended = {row["id"]: from_row(db.dialect, Event, TABLE, row) for row in rows}

    blocks: dict[str, list[dict[str, Any]]] = {}
    for id, p in first.items():
        if id not in appended:
            blocks.setdefault(p["session_id"], []).append(p)
    now = db.dialect.encode_ts(utc_now())
    # Counters are locked in one global order, so two batches never wait on each other in a cycle.
    for session_id in sorted(blocks):
        block = blocks[session_id]
        last = yield Call("advance_sequence", {"session_id": session_id, "count": len(block), "now": now})
        if not db.dialect.has_returning:
            last = yield Call("get_latest_sequence", {"session_id": session_id})
        # No row (PostgreSQL, SQLite) or 0 (MySQL): the block would pass 2**63 - 1. Raising
        # rolls back this operation's transaction (or savepoint): nothing is written.
        if last is None or last < len(block):
            raise sequence_exhausted(session_id, len(block))
        for number, p in enumerate(block, start=last - len(block) + 1):
            p["sequence_number"] = number
    new = [p for block in blocks.values() for p in block]
    if one and new:
        yield Call("append_event", new[0])
    elif db.dialect.name in _BATCH_AS_DOCUMENT:
        yield from insert_document(db, "insert_events", new)
    else:
        yield from insert_rows(db, "insert_events", new)
    for p in new:
        appended[p["id"]] = from_row(db.dialect, Event, TABLE, p)
    return [appended[p["id"]] for p in params]


def sequence_exhausted(session_id: str, count: int) -> StorageWriteFailed:
    return StorageWriteFailed(
        f"session {session_id!r} has no sequence numbers left for {count} more event(s): numbers end at "
        f"2**63 - 1 ({INT64_MAX}); nothing was written",
        details={"session_id": session_id, "count": count, "max_sequence_number": INT64_MAX,
                 "kind": "sequence_exhausted"},
        retryable=False,
    )
