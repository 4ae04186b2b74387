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
from cattrs.errors import BaseValidationError

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
from asm.core.operation import Call, Steps, operation, unless_one_statement
from asm.convert.errors import record_error
from asm.convert.records import payload_hook
from asm.convert.rows import from_row, records_from
from asm.enums import EventType
from asm.errors import StorageWriteFailed, ValidationError
from asm.ids import utc_now
from asm.records import INT64_MAX, Event, ExecutionResult
from asm.store.chunks import insert_columns, insert_rows, rows_by_ids
from asm.store.runs import save_run
from asm.store.sessions import save_session

TABLE = "asm_events"

# Dialects whose insert_events takes a batch as one array per column (`unnest`), one statement
# per piece: psycopg's executemany runs one INSERT per row, and the statement trigger of
# migration 0004 fired for each (1,000 events: 1,000 firings). PyMySQL and aiomysql turn
# executemany into multi-row INSERTs already and SQLite's runs in-process: there one-statement
# forms were slower (bench/results/batch_append.md).
_BATCH_AS_COLUMNS = frozenset({"postgres"})
# insert_events' columns there, in its order.
_COLUMNS = ("id", "type", "timestamp", "session_id", "run_id", "sequence_number", "data", "metadata",
            "schema_version", "provider", "correlation_id")


@operation(write=True, retry=True, atomic=unless_one_statement)
def append_event(db: Database, event: Event) -> Steps[None]:
    """Append `event` at its session's next sequence number (idempotent by event id)."""
    yield from _append_one(db, event)


@operation(write=True, retry=True, atomic=unless_one_statement)
def append_event_with_sequence(db: Database, event: Event) -> Steps[Event]:
    """Append `event` and return it as stored, with its sequence number."""
    return (yield from _append_one(db, event))


@operation(write=True, retry=True)
def append_events(db: Database, events: list[Event]) -> Steps[list[Event]]:
    """Append a batch in one transaction; each session gets a contiguous block in input order."""
    return (yield from _append_many(db, _encode_all(db, events)))


@operation(write=True, retry=True)
def flush(db: Database, result: ExecutionResult) -> Steps[None]:
    """Save the session, the run and the events of one execution in one transaction.

    The result's provider_metadata is merged into the run's (its keys win).
    """
    require_record(result, ExecutionResult, "result")
    run = result.run
    if result.provider_metadata:
        run = attrs.evolve(run, provider_metadata={**run.provider_metadata, **result.provider_metadata})
    events = _encode_all(db, result.events)
    yield from save_session(db, result.session)
    yield from save_run(db, run)
    yield from _append_many(db, events)


@operation()
def read_events(
    db: Database, session_id: str, *, run_id: str | None = None,
    type: EnumFilter[EventType] = None, since: datetime | None = None,
    after: int | None = None, before: int | None = None, limit: int | None = None,
    last: int | None = None,
) -> Steps[list[Event]]:
    """One read of a session's events in sequence order (the store's get_events adds the long poll);
    filters combine with AND, then `limit` keeps the first N or `last` the latest N."""
    types = enum_list(EventType, type, "type")
    last = optional_count(last, "last")
    if last is not None and limit is not None:
        raise ValidationError("get_events takes limit (the first N) or last (the latest N), not both",
                              details={"field": "last"})
    since = optional_datetime(since, "since")
    params = {
        "session_id": require_id(session_id, "session_id"),
        "run_id": optional_id(run_id, "run_id"),
        "types": None if types is None else db.dialect.encode_list([t.value for t in types]),
        "since": db.dialect.encode_ts(since),
        "after": optional_count(after, "after"),
        "before": optional_count(before, "before"),
        "limit": optional_count(limit, "limit") if last is None else last,
    }
    if params["limit"] == 0:
        return []
    if params["limit"] is None:
        params["limit"] = db.dialect.no_limit
    if last is None:
        rows = yield Call("get_events", params, tuples=True)
        return records_from(db.dialect, Event, TABLE, rows)
    # One statement reads the tail backwards; the page is turned around here, not by the server.
    rows = yield Call("get_latest_events", params, tuples=True)
    tail = records_from(db.dialect, Event, TABLE, rows)
    tail.reverse()
    return tail


@operation()
def get_latest_sequence(db: Database, session_id: str) -> Steps[int]:
    """The session's counter: the last number handed out, 0 when none (pruning never lowers it)."""
    value = yield Call("get_latest_sequence", {"session_id": require_id(session_id, "session_id")})
    return value or 0


# -- sequencing ----------------------------------------------------------------------------


def _append_one(db: Database, event: Event) -> Steps[Event]:
    params, event, data, metadata = _encode(db, require_record(event, Event, "event"), "")
    now = db.dialect.encode_ts(utc_now())
    if db.dialect.appends_in_one_statement:
        row = yield Call("append_event", {**params, "now": now})
        if row is not None:
            return _stored(event, row["sequence_number"], data, metadata)
        # No row: the id is stored already, or no numbers are left (told apart below).
    else:
        # The number is reserved unless the id is stored: no lookup before it on the common path.
        last = yield Call("advance_sequence", {"id": params["id"], "session_id": params["session_id"],
                                               "count": 1, "now": now})
        if last is not None:
            if last < 1:  # 0: no numbers left; raising rolls the counter back
                raise sequence_exhausted(params["session_id"], 1)
            params["sequence_number"] = last
            yield Call("append_event", params)
            return _stored(event, last, data, metadata)
    # Stored already: nothing was reserved.
    rows = yield Call("get_event_by_id", {"id": params["id"]})
    if rows:
        return from_row(db.dialect, Event, TABLE, rows[0])
    if db.dialect.appends_in_one_statement and (yield from get_latest_sequence(db, params["session_id"])) == INT64_MAX:
        raise sequence_exhausted(params["session_id"], 1)
    # Deleted by retention meanwhile: the id is free again, so this appends it.
    return (yield from _append_one(db, event))


def append_parameters(db: Database, event: Event) -> dict[str, Any]:
    """`event` checked and encoded as append_event's parameters (no `now`), for a statement that
    appends it along with more (the ADK service's `adk_append_event`)."""
    params, _, _, _ = _encode(db, require_record(event, Event, "event"), "")
    return params


# An event on its way in: its query parameters (those `to_params` gives), the event, and its
# payloads as the plain JSON values they were encoded from (asm/convert/payload.py's rules).
_Encoded = tuple[dict[str, Any], Event, Any, Any]

# The payload hooks of asm.convert's row converters, without the dialect's JSON encoding.
_plain_data = payload_hook("data", Event)
_plain_metadata = payload_hook("metadata", Event)


def _encode(db: Database, event: Event, where: str) -> _Encoded:
    """`event` checked and encoded: `to_params` (asm/convert/rows.py) written out for Event, so the
    plain payloads are kept for the record returned, and `check_event_size`. Same parameters,
    same errors (tests/unit/test_unit_append_encoding.py)."""
    dialect = db.dialect
    try:
        data = _plain_data(event.data)
        metadata = _plain_metadata(event.metadata)
    except BaseValidationError as exc:
        raise record_error(exc) from None
    params = {
        "id": event.id, "type": event.type.value, "timestamp": dialect.encode_ts(event.timestamp),
        "session_id": event.session_id, "run_id": event.run_id, "sequence_number": event.sequence_number,
        "provider": event.provider, "correlation_id": event.correlation_id,
        "data": dialect.encode_json(data), "metadata": dialect.encode_json(metadata),
        "schema_version": event.schema_version,
    }
    return check_event_size(db, params, where), event, data, metadata


_new = object.__new__
_set = object.__setattr__
_KEPT = tuple(f.name for f in attrs.fields(Event) if f.name not in ("sequence_number", "data", "metadata"))


def _stored(event: Event, number: int, data: Any, metadata: Any) -> Event:
    """`event` as stored at `number`, equal to what `from_row` reads back from its parameters,
    without parsing the JSON just written: its payloads are the plain values that JSON encodes
    (fresh copies: json.loads of the text gives equal values), every other field is the event's
    own (immutable, and checked when the event was built)."""
    record: Event = _new(Event)
    for name in _KEPT:
        _set(record, name, getattr(event, name))
    _set(record, "sequence_number", number)
    _set(record, "data", data)
    _set(record, "metadata", metadata)
    return record


def _encode_all(db: Database, events: Any) -> list[_Encoded]:
    """Every event checked and encoded before anything is written."""
    if not isinstance(events, (list, tuple)):
        raise ValidationError(
            f"events must be a list of asm.Event, not {type(events).__name__}", details={"field": "events"}
        )
    return [_encode(db, require_record(e, Event, f"events[{i}]"), f"events[{i}].") for i, e in enumerate(events)]


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


def _append_many(db: Database, events: list[_Encoded]) -> Steps[list[Event]]:
    """Append encoded events."""
    if not events:
        return []
    # The first occurrence of an id in the batch is the one appended; repeats collapse onto it.
    first: dict[str, _Encoded] = {}
    for item in events:
        first.setdefault(item[0]["id"], item)
    if len(first) == 1:
        # A key lookup: cheaper than expanding a list of one (JSON_TABLE, json_each).
        rows = yield Call("get_event_by_id", {"id": next(iter(first))})
    else:
        # In pieces that fit the server's statement size limit, all in this transaction.
        rows = yield from rows_by_ids(db, "get_events_by_ids", list(first))
    appended = {row["id"]: from_row(db.dialect, Event, TABLE, row) for row in rows}

    blocks: dict[str, list[_Encoded]] = {}
    for id, item in first.items():
        if id not in appended:
            blocks.setdefault(item[0]["session_id"], []).append(item)
    now = db.dialect.encode_ts(utc_now())
    # Counters are locked in one global order, so two batches never wait on each other in a cycle.
    for session_id in sorted(blocks):
        block = blocks[session_id]
        # The ids were looked up above: none to check (NULL).
        last = yield Call("advance_sequence", {"id": None, "session_id": session_id, "count": len(block), "now": now})
        # No row (PostgreSQL) or 0 (MySQL, SQLite): the block would pass 2**63 - 1. Raising
        # rolls back this operation's transaction (or savepoint): nothing is written.
        if last is None or last < len(block):
            raise sequence_exhausted(session_id, len(block))
        for number, (params, event, data, metadata) in enumerate(block, start=last - len(block) + 1):
            params["sequence_number"] = number
            appended[params["id"]] = _stored(event, number, data, metadata)
    new = [item[0] for block in blocks.values() for item in block]
    if db.dialect.name in _BATCH_AS_COLUMNS:
        yield from insert_columns(db, "insert_events", new, _COLUMNS)
    else:
        yield from insert_rows(db, "insert_events", new)
    return [appended[item[0]["id"]] for item in events]


def sequence_exhausted(session_id: str, count: int) -> StorageWriteFailed:
    return StorageWriteFailed(
        f"session {session_id!r} has no sequence numbers left for {count} more event(s): numbers end at "
        f"2**63 - 1 ({INT64_MAX}); nothing was written",
        details={"session_id": session_id, "count": count, "max_sequence_number": INT64_MAX,
                 "kind": "sequence_exhausted"},
        retryable=False,
    )
