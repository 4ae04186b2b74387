"""Keyset cursors as a search hands them out and takes them back: a round trip, and refusal
(InvalidCursor, before any query) of one altered, of another query's, or of another secret's."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from asm import Event, InvalidCursor, Session
from asm.cursors import decode_cursor, encode_cursor
from asm.drivers.dialects import Dialect
from asm.convert.rows import to_params
from asm.query.events import search_events
from asm.query.sessions import search_sessions
from drive import ANY, call, fresh_dialect, play, run

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc)
FILTERS = {"agent_id": None, "statuses": None, "provider": None, "tags": None, "created_after": None,
           "created_before": None, "include_deleted": 0}


def a_full_page(dialect: Dialect, order_by: str = "updated_at_desc") -> str:
    """The cursor of a first page of one session that has more after it."""
    found = [Session.new(agent_id="bot", id=f"ses_{i}", created_at=T0 - timedelta(hours=i)) for i in range(2)]
    page = run(search_sessions, dialect, limit=1, order_by=order_by, script=[
        call(f"search_sessions_{order_by.replace('_at', '')}", {**FILTERS, "after_at": None, "after_id": None,
                                                                "limit": 2},
             [to_params(dialect, s) for s in found]),
    ])
    assert page.has_more and page.cursor is not None
    return str(page.cursor)


def next_page(dialect: Dialect, cursor: Any) -> dict[str, Any]:
    """The keyset parameters the page after `cursor` is read with."""
    sent: list[Any] = []
    play(search_sessions(dialect, limit=1, cursor=cursor), [call("search_sessions_updated_desc", ANY, [])],
         dialect=dialect, transcript=sent)
    return {name: sent[0].params[name] for name in ("after_at", "after_id")}


def test_a_cursor_round_trips_to_the_last_rows_key(each_dialect: Dialect) -> None:
    cursor = a_full_page(each_dialect)
    assert next_page(each_dialect, cursor) == {"after_at": each_dialect.encode_ts(T0), "after_id": "ses_0"}


def edits(cursor: str) -> list[str]:
    """The cursor with one character changed, cut short, and with its key rewritten but the tag kept."""
    flipped = cursor[:20] + ("A" if cursor[20] != "A" else "B") + cursor[21:]
    body, tag = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    forged = json.dumps([body.replace("ses_0", "ses_9"), tag])
    return [flipped, cursor[:-4], base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")]


def test_an_altered_cursor_is_refused_before_any_query(each_dialect: Dialect) -> None:
    for bad in [*edits(a_full_page(each_dialect)), "", "not a cursor", 42]:
        with pytest.raises(InvalidCursor):
            run(search_sessions, each_dialect, cursor=bad, script=[])


def test_another_orders_cursor_is_refused(each_dialect: Dialect) -> None:
    cursor = a_full_page(each_dialect, "created_at_desc")
    with pytest.raises(InvalidCursor, match="another query or order"):
        run(search_sessions, each_dialect, order_by="created_at_asc", cursor=cursor, script=[])


def test_another_searchs_cursor_is_refused(each_dialect: Dialect) -> None:
    cursor = a_full_page(each_dialect)
    with pytest.raises(InvalidCursor):
        run(search_events, each_dialect, cursor=cursor, script=[])


def test_a_stores_secret_binds_its_cursors() -> None:
    signed = fresh_dialect("sqlite").with_settings(cursor_secret=b"service key")
    cursor = a_full_page(signed)
    same = fresh_dialect("sqlite").with_settings(cursor_secret=b"service key")  # another worker, or a restart
    assert next_page(same, cursor)["after_id"] == "ses_0"
    for other in (fresh_dialect("sqlite"), fresh_dialect("sqlite").with_settings(cursor_secret=b"other key")):
        with pytest.raises(InvalidCursor):
            run(search_sessions, other, cursor=cursor, script=[])
    with pytest.raises(InvalidCursor):  # and a cursor made without the secret is no good with it
        run(search_sessions, signed, cursor=a_full_page(fresh_dialect("sqlite")), script=[])


def test_cursor_functions_round_trip_a_key_with_its_kinds() -> None:
    key = (T0, "ses_0")
    cursor = encode_cursor("sessions:updated_at_desc", key, b"k")
    assert decode_cursor(cursor, "sessions:updated_at_desc", ("timestamp", "id"), b"k") == key
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "sessions:updated_at_desc", ("sequence", "id"), b"k")  # a timestamp is no number


def test_an_event_cursor_carries_the_session_and_number() -> None:
    lite = fresh_dialect("sqlite")
    found = [Event.new(type="message_sent", session_id="s1", id=f"e{n}", sequence_number=n, timestamp=T0)
             for n in (1, 2)]
    params = {"run_ids": None, "types": None, "providers": None, "since": None, "until": None,
              "correlation_id": None, "session_ids": None, "limit": 2}
    page = run(search_events, lite, limit=1, script=[
        call("search_events_sequence_asc", {**params, "after_session_id": None, "after_sequence": None},
             [to_params(lite, e) for e in found]),
    ])
    run(search_events, lite, limit=1, cursor=page.cursor, script=[
        call("search_events_sequence_asc", {**params, "after_session_id": "s1", "after_sequence": 1}, []),
    ])
