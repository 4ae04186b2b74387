"""QueryAPI searches: filters become parameters, a cursor becomes the keyset bound, and a page
of `limit + 1` rows says whether there is more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from asm import Event, InvalidStatus, Session, ValidationError
from asm.drivers.dialects import Dialect
from asm.convert.rows import to_params
from asm.query.events import count_events, search_events
from asm.query.sessions import search_sessions
from drive import call, fresh_dialect, run

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
NO_SESSION_FILTERS = {"agent_id": None, "statuses": None, "provider": None, "tags": None, "created_after": None,
                      "created_before": None, "include_deleted": 0}
FIRST_PAGE = {"after_at": None, "after_id": None}


def sessions(count: int) -> list[Session]:
    """Sessions as updated_at_desc returns them: newest first."""
    return [Session.new(agent_id="bot", id=f"ses_{i}", created_at=T0, updated_at=T0 + timedelta(minutes=count - i))
            for i in range(count)]


def rows(dialect: Dialect, records: list[Any]) -> list[dict[str, Any]]:
    return [to_params(dialect, r) for r in records]


def test_a_first_page_asks_for_one_row_more_than_the_limit(each_dialect: Dialect) -> None:
    found = sessions(2)
    page = run(search_sessions, each_dialect, limit=2, script=[
        call("search_sessions_updated_desc", {**NO_SESSION_FILTERS, **FIRST_PAGE, "limit": 3},
             rows(each_dialect, found)),
    ])
    assert (page.sessions, page.has_more, page.cursor, page.total_count) == (found, False, None, None)


def test_a_full_page_has_a_cursor_that_continues_after_its_last_row(each_dialect: Dialect) -> None:
    found = sessions(5)
    first = run(search_sessions, each_dialect, agent_id="bot", limit=2, script=[
        call("search_sessions_updated_desc", {**NO_SESSION_FILTERS, "agent_id": "bot", **FIRST_PAGE, "limit": 3},
             rows(each_dialect, found[:3])),
    ])
    assert (first.sessions, first.has_more) == (found[:2], True)
    last = found[1]
    second = run(search_sessions, each_dialect, agent_id="bot", limit=2, cursor=first.cursor, script=[
        call("search_sessions_updated_desc", {
            **NO_SESSION_FILTERS, "agent_id": "bot", "after_at": each_dialect.encode_ts(last.updated_at),
            "after_id": last.id, "limit": 3}, rows(each_dialect, found[2:5])),
    ])
    assert (second.sessions, second.has_more) == (found[2:4], True)


@pytest.mark.parametrize(("name", "statuses", "tags", "after"), [
    ("postgres", ["active", "paused"], '["vip","a\\u001fb"]', T0),
    ("sqlite", '["active","paused"]', '["vip","a\\u001fb"]', "2025-05-01T12:00:00.000000Z"),
    ("mysql", '["active","paused"]', '["vip","a\\u001fb"]', "2025-05-01 12:00:00.000000"),
])
def test_filters_are_sent_encoded_for_the_dialect(name: str, statuses: Any, tags: str, after: Any) -> None:
    filters = {"agent_id": "bot", "statuses": statuses, "provider": "openai", "tags": tags, "created_after": after,
               "created_before": None, "include_deleted": 1}
    page = run(search_sessions, fresh_dialect(name), agent_id="bot", status=["active", "paused"], provider="openai",
               tags=["vip", "a\x1fb"], created_after=T0, include_deleted=True, order_by="created_at_asc",
               with_total=True, script=[
        call("search_sessions_created_asc", {**filters, **FIRST_PAGE, "limit": 51}, []),
        call("count_sessions", filters, 0),
    ])
    assert (page.sessions, page.total_count, page.has_more) == ([], 0, False)


@pytest.mark.parametrize(("arguments", "error"), [
    ({"limit": 0}, ValidationError), ({"limit": True}, ValidationError), ({"order_by": "id"}, ValidationError),
    ({"with_total": 1}, ValidationError), ({"include_deleted": "yes"}, ValidationError),
    ({"status": "gone"}, InvalidStatus), ({"tags": "vip"}, ValidationError),
    ({"created_after": T0.date()}, ValidationError),
])
def test_search_sessions_checks_its_arguments_first(each_dialect: Dialect, arguments: dict[str, Any],
                                                    error: type[Exception]) -> None:
    with pytest.raises(error):
        run(search_sessions, each_dialect, script=[], **arguments)


# -- events across sessions ----------------------------------------------------------------

NO_EVENT_FILTERS = {"run_ids": None, "types": None, "providers": None, "since": None, "until": None,
                    "correlation_id": None}


def events_of(session_id: str, *numbers: int) -> list[Event]:
    return [Event.new(type="message_sent", session_id=session_id, id=f"{session_id}_e{n}", sequence_number=n,
                      timestamp=T0) for n in numbers]


@pytest.mark.parametrize("name", ["postgres", "sqlite"])  # MySQL: the next test
def test_events_of_listed_sessions_come_from_one_statement(name: str) -> None:
    dialect = fresh_dialect(name)
    found = events_of("s1", 1, 2)
    page = run(search_events, dialect, session_ids=["s2", "s1"], types="message_sent", limit=5, script=[
        call("search_session_events_sequence_asc", {
            **NO_EVENT_FILTERS, "session_ids": dialect.encode_list(["s2", "s1"]),
            "types": dialect.encode_list(["message_sent"]), "limit": 6, "after_session_id": None,
            "after_sequence": None}, rows(dialect, found)),
    ])
    assert (page.events, page.has_more, page.cursor) == (found, False, None)


def test_mysql_reads_listed_sessions_one_at_a_time_until_the_page_is_full() -> None:
    my = fresh_dialect("mysql")
    s1, s2 = events_of("s1", 4, 5), events_of("s2", 1, 2)
    per_session = {**NO_EVENT_FILTERS, "limit": 3, "after_sequence": None}
    first = run(search_events, my, session_ids=["s2", "s1"], limit=2, script=[
        call("search_session_events_sequence_asc", {**per_session, "session_id": "s1"}, rows(my, s1)),
        call("search_session_events_sequence_asc", {**per_session, "session_id": "s2", "limit": 1},
             rows(my, s2[:1])),
    ])
    assert (first.events, first.has_more) == (s1, True)
    # The next page starts after s1's event 5: in s1 after it, then s2 from the start.
    second = run(search_events, my, session_ids=["s2", "s1"], limit=2, cursor=first.cursor, script=[
        call("search_session_events_sequence_asc", {**per_session, "session_id": "s1", "after_sequence": 5}, []),
        call("search_session_events_sequence_asc", {**per_session, "session_id": "s2"}, rows(my, s2)),
    ])
    assert (second.events, second.has_more, second.cursor) == (s2, False, None)


def test_without_a_session_list_events_come_from_the_global_order(each_dialect: Dialect) -> None:
    found = events_of("s1", 1, 2, 3)
    page = run(search_events, each_dialect, order_by="timestamp_desc", limit=2, script=[
        call("search_events_timestamp_desc", {**NO_EVENT_FILTERS, "session_ids": None, "limit": 3, "after_at": None,
                                              "after_id": None}, rows(each_dialect, found)),
    ])
    assert (page.events, page.has_more) == (found[:2], True)
    run(search_events, each_dialect, order_by="timestamp_desc", limit=2, cursor=page.cursor, script=[
        call("search_events_timestamp_desc", {**NO_EVENT_FILTERS, "session_ids": None, "limit": 3,
                                              "after_at": each_dialect.encode_ts(T0), "after_id": "s1_e2"}, []),
    ])


@pytest.mark.parametrize(("listed", "query"), [(None, "count_events"), ("s1", "count_session_events")])
def test_count_events_counts_in_sql(each_dialect: Dialect, listed: str | None, query: str) -> None:
    session_ids = None if listed is None else each_dialect.encode_list([listed])
    assert run(count_events, each_dialect, session_ids=listed, script=[
        call(query, {**NO_EVENT_FILTERS, "session_ids": session_ids}, 7),
    ]) == 7


def test_a_search_page_is_decoded_from_its_rows(each_dialect: Dialect) -> None:
    deleted = attrs.evolve(sessions(1)[0], deleted_at=T0)
    page = run(search_sessions, each_dialect, include_deleted=True, script=[
        call("search_sessions_updated_desc", {**NO_SESSION_FILTERS, "include_deleted": 1, **FIRST_PAGE, "limit": 51},
             rows(each_dialect, [deleted])),
    ])
    assert page.sessions == [deleted]
