"""QueryAPI over events across sessions: search with keyset pages, and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asm.arguments import enum_list, optional_datetime, optional_id
from asm.db.operation import Call, operation
from asm.db.rows import from_row
from asm.enums import EventType
from asm.query.paging import after, check_limit, check_order, id_list, page
from asm.query.records import EventPage
from asm.records import Event

_ORDERS = {
    "sequence_asc": "search_events_sequence_asc",
    "timestamp_asc": "search_events_timestamp_asc",
    "timestamp_desc": "search_events_timestamp_desc",
}


@operation()
def search_events(
    dialect, *, session_ids: Any = None, run_ids: Any = None, types: Any = None, providers: Any = None,
    since: datetime | None = None, until: datetime | None = None, correlation_id: str | None = None,
    order_by: str = "sequence_asc", limit: int = 100, cursor: str | None = None,
) -> EventPage:
    """Events matching every given filter. sequence_asc goes session by session (in id order),
    each in sequence order."""
    query = check_order(order_by, _ORDERS)
    params = {**_filters(dialect, session_ids, run_ids, types, providers, since, until, correlation_id),
              "limit": check_limit(limit) + 1}
    name = f"events:{order_by}"
    if order_by == "sequence_asc":
        params["after_session_id"], params["after_sequence"] = after(dialect, cursor, name, ("id", "sequence"))
        key = lambda row: (row["session_id"], int(row["sequence_number"]))  # noqa: E731
    else:
        after_at, params["after_id"] = after(dialect, cursor, name, ("timestamp", "id"))
        params["after_at"] = dialect.encode_ts(after_at)
        key = lambda row: (dialect.decode_ts(row["timestamp"]), row["id"])  # noqa: E731
    rows = yield Call(query, params)
    events, next_cursor, has_more = page(dialect, rows, limit, name,
                                         lambda row: from_row(dialect, Event, "asm_events", row), key)
    return EventPage(events=events, cursor=next_cursor, has_more=has_more)


@operation()
def count_events(
    dialect, *, session_ids: Any = None, run_ids: Any = None, types: Any = None, providers: Any = None,
    since: datetime | None = None, until: datetime | None = None, correlation_id: str | None = None,
) -> int:
    """How many events search_events would return over all its pages."""
    total = yield Call("count_events", _filters(dialect, session_ids, run_ids, types, providers, since, until,
                                                correlation_id))
    return int(total or 0)


def _filters(dialect, session_ids, run_ids, types, providers, since, until, correlation_id) -> dict[str, Any]:
    members = enum_list(EventType, types, "types")
    lists = {
        "session_ids": id_list(session_ids, "session_ids"),
        "run_ids": id_list(run_ids, "run_ids"),
        "types": None if members is None else [t.value for t in members],
        "providers": id_list(providers, "providers"),
    }
    return {
        **{name: None if values is None else dialect.encode_list(values) for name, values in lists.items()},
        "since": dialect.encode_ts(optional_datetime(since, "since")),
        "until": dialect.encode_ts(optional_datetime(until, "until")),
        "correlation_id": optional_id(correlation_id, "correlation_id"),
    }
