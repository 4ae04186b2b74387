"""The event log's operations: sequenced appends (one and batched), reads and their checks."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from asm import Event, InvalidEventType, StorageWriteFailed, ValidationError
from asm.drivers.dialects import Dialect
from asm.convert.rows import to_params
from asm.store.events import (
    append_event,
    append_event_with_sequence,
    append_events,
    read_events,
    get_latest_sequence,
)
from drive import ANY, call, fresh_dialect, run

AT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc)
NO_LIMIT = {"postgres": None, "sqlite": -1, "mysql": 2**64 - 1}
PACKET = 64 * 1024 * 1024  # what get_max_packet answers: one statement holds any test batch


def event(id: str, session_id: str = "ses_a", **fields: Any) -> Event:
    return Event.new(type="message_sent", session_id=session_id, id=id, timestamp=AT, **fields)


def wire(dialect: Dialect, e: Event, **changes: Any) -> dict[str, Any]:
    """The event's query parameters (and its row, as a driver returns it)."""
    return {**to_params(dialect, e), **changes}


def numbered(e: Event, number: int) -> Event:
    return attrs.evolve(e, sequence_number=number)


# -- one event -----------------------------------------------------------------------------


def test_postgres_appends_one_event_in_one_statement() -> None:
    pg, e = fresh_dialect("postgres"), event("evt_1")
    got = run(append_event_with_sequence, pg, e, script=[
        call("append_event", {**wire(pg, e), "now": ANY}, result={"sequence_number": 5}),
    ])
    assert got == numbered(e, 5)


def test_postgres_returns_a_stored_id_as_stored_without_inserting() -> None:
    pg, e = fresh_dialect("postgres"), event("evt_1", data={"v": "again"})
    stored = numbered(event("evt_1", data={"v": "first"}), 3)
    got = run(append_event_with_sequence, pg, e, script=[
        # No row: the id is stored (or no numbers are left), told apart by reading it.
        call("append_event", {**wire(pg, e), "now": ANY}, result=None),
        call("get_event_by_id", {"id": "evt_1"}, result=[wire(pg, stored)]),
    ])
    assert got == stored


def test_postgres_appends_again_when_the_stored_event_was_deleted_meanwhile() -> None:
    pg, e = fresh_dialect("postgres"), event("evt_1")
    got = run(append_event_with_sequence, pg, e, script=[
        call("append_event", {**wire(pg, e), "now": ANY}, result=None),
        call("get_event_by_id", {"id": "evt_1"}, result=[]),
        call("get_latest_sequence", {"session_id": "ses_a"}, result=8),
        call("append_event", {**wire(pg, e), "now": ANY}, result={"sequence_number": 9}),
    ])
    assert got == numbered(e, 9)


def test_postgres_without_numbers_left_writes_nothing() -> None:
    pg, e = fresh_dialect("postgres"), event("evt_1")
    with pytest.raises(StorageWriteFailed) as raised:
        run(append_event, pg, e, script=[
            call("append_event", {**wire(pg, e), "now": ANY}, result=None),
            call("get_event_by_id", {"id": "evt_1"}, result=[]),
            call("get_latest_sequence", {"session_id": "ses_a"}, result=2**63 - 1),
        ])
    assert raised.value.details["kind"] == "sequence_exhausted"
    assert not raised.value.retryable


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_other_dialects_reserve_a_number_unless_stored_then_insert_at_it(name: str) -> None:
    # Two statements, no lookup first: advance_sequence skips a stored id (MySQL: its number
    # comes back from LAST_INSERT_ID, no read-back).
    dialect, e = fresh_dialect(name), event("evt_1")
    got = run(append_event_with_sequence, dialect, e, script=[
        call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=8),
        call("append_event", wire(dialect, e, sequence_number=8), result=1),
    ])
    assert got == numbered(e, 8)


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_a_stored_id_is_returned_as_stored_with_nothing_reserved(name: str) -> None:
    dialect = fresh_dialect(name)
    stored = numbered(event("evt_1", data={"v": "first"}), 3)
    got = run(append_event_with_sequence, dialect, event("evt_1", data={"v": "again"}), script=[
        call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=None),
        call("get_event_by_id", {"id": "evt_1"}, result=[wire(dialect, stored)]),
    ])
    assert got == stored


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_other_dialects_append_again_when_the_stored_event_was_deleted_meanwhile(name: str) -> None:
    dialect, e = fresh_dialect(name), event("evt_1")
    got = run(append_event_with_sequence, dialect, e, script=[
        call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=None),
        call("get_event_by_id", {"id": "evt_1"}, result=[]),
        call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=4),
        call("append_event", wire(dialect, e, sequence_number=4), result=1),
    ])
    assert got == numbered(e, 4)


def test_append_event_returns_nothing(each_dialect: Dialect) -> None:
    e = event("evt_1")
    stored = [wire(each_dialect, numbered(e, 1))]
    script = ([call("append_event", {**wire(each_dialect, e), "now": ANY}, result=None),
               call("get_event_by_id", {"id": "evt_1"}, result=stored)]
              if each_dialect.name == "postgres" else
              [call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=None),
               call("get_event_by_id", {"id": "evt_1"}, result=stored)])
    assert run(append_event, each_dialect, e, script=script) is None


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_other_dialects_without_numbers_left_insert_nothing(name: str) -> None:
    with pytest.raises(StorageWriteFailed, match="no sequence numbers left"):
        run(append_event, fresh_dialect(name), event("evt_1"), script=[
            # 0: the counter was written 0, which the raise rolls back.
            call("advance_sequence", {"id": "evt_1", "session_id": "ses_a", "count": 1, "now": ANY}, result=0),
        ])


@pytest.mark.parametrize("op", [append_event, append_event_with_sequence])
def test_an_oversized_payload_fails_before_any_query(each_dialect: Dialect, op: Any) -> None:
    small = each_dialect.with_settings(max_event_bytes=16)
    with pytest.raises(ValidationError) as raised:
        run(op, small, event("evt_1", data={"text": "x" * 20}), script=[])
    assert raised.value.details["field"] == "data"


def test_append_event_takes_only_an_event(each_dialect: Dialect) -> None:
    with pytest.raises(ValidationError):
        run(append_event, each_dialect, {"type": "message_sent"}, script=[])


# -- batches -------------------------------------------------------------------------------


def test_an_empty_batch_sends_nothing(each_dialect: Dialect) -> None:
    assert run(append_events, each_dialect, [], script=[]) == []


@pytest.mark.parametrize(("events", "field"), [
    ([event("evt_1"), "evt_2"], "events[1]"),
    ((event("evt_1"), None), "events[1]"),
    ("evt_1", "events"),
    (event("evt_1"), "events"),
])
def test_an_invalid_batch_fails_before_any_query(each_dialect: Dialect, events: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        run(append_events, each_dialect, events, script=[])
    assert raised.value.details["field"] == field


def test_a_batch_gives_each_session_a_contiguous_block_in_input_order() -> None:
    lite = fresh_dialect("sqlite")
    b1, a1, b2, a2 = event("e1", "ses_b"), event("e2", "ses_a"), event("e3", "ses_b"), event("e4", "ses_a")
    got = run(append_events, lite, [b1, a1, b2, a2], script=[
        call("get_max_packet", {}, result=PACKET),
        call("get_events_by_ids", {"ids": '["e1","e2","e3","e4"]'}, result=[]),
        # Counters in one global order (session id), so two batches never wait on each other.
        call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 2, "now": ANY}, result=7),
        call("advance_sequence", {"id": None, "session_id": "ses_b", "count": 2, "now": ANY}, result=2),
        call("insert_events", [wire(lite, b1, sequence_number=1), wire(lite, b2, sequence_number=2),
                               wire(lite, a1, sequence_number=6), wire(lite, a2, sequence_number=7)], result=4),
    ])
    assert got == [numbered(b1, 1), numbered(a1, 6), numbered(b2, 2), numbered(a2, 7)]


def test_postgres_sends_a_batch_as_one_array_per_column() -> None:
    pg = fresh_dialect("postgres")
    a1, a2 = event("e1"), event("e2")
    rows = [wire(pg, a1, sequence_number=1), wire(pg, a2, sequence_number=2)]
    got = run(append_events, pg, [a1, a2], script=[
        call("get_max_packet", {}, result=PACKET),
        call("get_events_by_ids", {"ids": ["e1", "e2"]}, result=[]),
        call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 2, "now": ANY}, result=2),
        call("insert_events", {name: [row[name] for row in rows] for name in rows[0]}, result=2),
    ])
    assert got == [numbered(a1, 1), numbered(a2, 2)]


def test_mysql_takes_each_block_end_from_advance_sequence() -> None:
    my = fresh_dialect("mysql")
    a1, b1 = event("e1", "ses_a"), event("e2", "ses_b")
    got = run(append_events, my, [a1, b1], script=[
        call("get_max_packet", {}, result=PACKET),
        call("get_events_by_ids", {"ids": '["e1","e2"]'}, result=[]),
        call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 1, "now": ANY}, result=4),
        call("advance_sequence", {"id": None, "session_id": "ses_b", "count": 1, "now": ANY}, result=9),
        call("insert_events", [wire(my, a1, sequence_number=4), wire(my, b1, sequence_number=9)], result=2),
    ])
    assert got == [numbered(a1, 4), numbered(b1, 9)]


def test_repeated_ids_in_a_batch_collapse_onto_the_first() -> None:
    lite = fresh_dialect("sqlite")
    first, repeat, other = event("e1", data={"v": 1}), event("e1", data={"v": 2}), event("e2")
    lite.max_packet_bytes = PACKET  # read by an earlier batch of this store
    got = run(append_events, lite, [first, other, repeat], script=[
        call("get_events_by_ids", {"ids": '["e1","e2"]'}, result=[]),
        call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 2, "now": ANY}, result=2),
        call("insert_events", [wire(lite, first, sequence_number=1), wire(lite, other, sequence_number=2)],
             result=2),
    ])
    assert got == [numbered(first, 1), numbered(other, 2), numbered(first, 1)]


def test_ids_stored_already_are_returned_as_stored_and_take_no_number() -> None:
    lite = fresh_dialect("sqlite")
    lite.max_packet_bytes = PACKET
    new, again = event("e2"), event("e1", data={"v": "again"})
    stored = numbered(event("e1", data={"v": "first"}), 1)
    got = run(append_events, lite, [again, new], script=[
        call("get_events_by_ids", {"ids": '["e1","e2"]'}, result=[wire(lite, stored)]),
        call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 1, "now": ANY}, result=2),
        call("insert_events", [wire(lite, new, sequence_number=2)], result=1),
    ])
    assert got == [stored, numbered(new, 2)]


def test_a_batch_of_stored_ids_writes_nothing(each_dialect: Dialect) -> None:
    stored = numbered(event("e1"), 1)
    assert run(append_events, each_dialect, [event("e1"), event("e1")], script=[
        call("get_event_by_id", {"id": "e1"}, result=[wire(each_dialect, stored)]),  # one id: a key lookup
    ]) == [stored, stored]


def test_the_packet_size_is_read_once_per_store() -> None:
    lite = fresh_dialect("sqlite")
    batch = [event("e1"), event("e2")]
    script = [call("get_events_by_ids", {"ids": '["e1","e2"]'}, result=[wire(lite, numbered(e, 1)) for e in batch])]
    run(append_events, lite, batch, script=[call("get_max_packet", {}, result=PACKET), *script])
    run(append_events, lite, batch, script=script)
    assert fresh_dialect("sqlite").max_packet_bytes is None  # the shared dialect was left alone


@pytest.mark.parametrize(("name", "answer"), [("postgres", None), ("sqlite", 0), ("mysql", 0)])
def test_a_batch_past_the_last_number_writes_nothing(name: str, answer: Any) -> None:
    dialect = fresh_dialect(name)
    dialect.max_packet_bytes = PACKET
    with pytest.raises(StorageWriteFailed) as raised:
        run(append_events, dialect, [event("e1"), event("e2")], script=[
            call("get_events_by_ids", {"ids": dialect.encode_ids(["e1", "e2"])}, result=[]),
            call("advance_sequence", {"id": None, "session_id": "ses_a", "count": 2, "now": ANY}, result=answer),
        ])
    assert raised.value.details == {"session_id": "ses_a", "count": 2, "max_sequence_number": 2**63 - 1,
                                    "kind": "sequence_exhausted"}


# -- reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "latest"), [(None, 0), (0, 0), (12, 12)])
def test_get_latest_sequence_is_0_for_a_session_without_a_counter(each_dialect: Dialect, value: Any,
                                                                  latest: int) -> None:
    assert run(get_latest_sequence, each_dialect, "ses_a", script=[
        call("get_latest_sequence", {"session_id": "ses_a"}, result=value),
    ]) == latest


@pytest.mark.parametrize("name", NO_LIMIT)
def test_get_events_without_filters(name: str) -> None:
    dialect = fresh_dialect(name)
    e = numbered(event("e1"), 1)
    assert run(read_events, dialect, "ses_a", script=[
        call("get_events", {"session_id": "ses_a", "run_id": None, "types": None, "since": None, "after": None,
                            "before": None, "limit": NO_LIMIT[name]}, result=[wire(dialect, e)]),
    ]) == [e]


@pytest.mark.parametrize(("name", "types", "since"), [
    ("postgres", ["message_sent", "tool_call_started"], AT),
    ("sqlite", '["message_sent","tool_call_started"]', "2025-03-04T05:06:07.890123Z"),
    ("mysql", '["message_sent","tool_call_started"]', "2025-03-04 05:06:07.890123"),
])
def test_get_events_sends_its_filters_encoded_for_the_dialect(name: str, types: Any, since: Any) -> None:
    assert run(read_events, fresh_dialect(name), "ses_a", run_id="run_1", type=["message_sent", "tool_call_started"],
               since=AT, after=3, before=10, limit=5, script=[
        call("get_events", {"session_id": "ses_a", "run_id": "run_1", "types": types, "since": since, "after": 3,
                            "before": 10, "limit": 5}, result=[]),
    ]) == []


def test_one_type_is_a_list_of_one(each_dialect: Dialect) -> None:
    run(read_events, each_dialect, "ses_a", type="run_started", after=0, script=[
        call("get_events", {"session_id": "ses_a", "run_id": None, "types": each_dialect.encode_list(["run_started"]),
                            "since": None, "after": 0, "before": None, "limit": NO_LIMIT[each_dialect.name]},
             result=[]),
    ])


def test_get_events_with_limit_0_is_empty_without_a_query(each_dialect: Dialect) -> None:
    assert run(read_events, each_dialect, "ses_a", limit=0, script=[]) == []


@pytest.mark.parametrize("name", ["after", "before", "limit"])
@pytest.mark.parametrize("bad", [-1, 1.0, True, "3", 2**63])
def test_sequence_bounds_and_limit_are_ints_from_0(each_dialect: Dialect, name: str, bad: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        run(read_events, each_dialect, "ses_a", script=[], **{name: bad})
    assert raised.value.details["field"] == name


@pytest.mark.parametrize(("arguments", "error"), [
    ({"type": "no_such_type"}, InvalidEventType),
    ({"type": ["message_sent", 3]}, InvalidEventType),
    ({"since": datetime(2025, 1, 1)}, ValidationError),  # naive
    ({"since": "2025-01-01T00:00:00Z"}, ValidationError),
    ({"run_id": ""}, ValidationError),
])
def test_get_events_checks_its_filters_first(each_dialect: Dialect, arguments: dict[str, Any],
                                            error: type[Exception]) -> None:
    with pytest.raises(error):
        run(read_events, each_dialect, "ses_a", script=[], **arguments)
