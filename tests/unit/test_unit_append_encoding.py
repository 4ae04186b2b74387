"""Appends encode events without asm.convert's generic path (asm/store/events.py: `_encode`,
`_stored`): the parameters must be those `to_params` gives, the errors those it raises, and the
record returned the one `from_row` reads back from the parameters."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from asm import Event, ValidationError
from asm.convert.rows import from_row, to_params
from asm.core.database import Database
from asm.drivers.dialects import DIALECTS
from asm.store.events import TABLE, _encode, _stored

AT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc)


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


class Text(str):
    pass


PAYLOADS: list[dict[str, Any]] = [
    {},
    {"role": "assistant", "content": "é€😀\u2028 \"quoted\" \\ \n", "usage": {"input_tokens": 812}},
    {"floats": [0.1, -0.0, 1e300, 1e-300, 2.0, 1e16, 123456789.125], "ints": [0, -1, 2**63 - 1, -(2**63)]},
    {"nested": {"a": [1, [2, [3, {"b": None}]]]}, "flags": [True, False, None]},
    {"tuple": (1, "two", (3,)), 7: "int key", "when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))},
    {"enum": Color.RED, "intenum": Size.BIG, Size.BIG: "enum key", "day": date(2024, 5, 6), "uuid": uuid.UUID(int=7)},
    {"sub": Text("a str subclass"), "deep": [[[[[]]]]]},
]


def events() -> list[Event]:
    when = [AT, datetime(2025, 3, 4, 7, 6, 7, tzinfo=timezone(timedelta(hours=2))), datetime(1, 1, 1, tzinfo=timezone.utc)]
    return [Event.new(type="message_sent", session_id="ses_a", id=f"evt_{i}", timestamp=when[i % len(when)],
                      data=data, metadata=PAYLOADS[-1 - i], run_id=None if i % 2 else "run_1",
                      provider=None if i % 3 else "openai", correlation_id=None if i % 2 else f"cor_{i}",
                      schema_version=1 + i)
            for i, data in enumerate(PAYLOADS)]


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_the_parameters_are_those_of_to_params(name: str) -> None:
    db = Database(DIALECTS[name])
    for event in events():
        params, same, _, _ = _encode(db, event, "")
        assert params == to_params(db.dialect, event)
        assert same is event


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_the_record_returned_is_the_one_read_back(name: str) -> None:
    db = Database(DIALECTS[name])
    for number, event in enumerate(events(), start=1):
        params, _, data, metadata = _encode(db, event, "")
        params["sequence_number"] = number
        read_back = from_row(db.dialect, Event, TABLE, params)
        stored = _stored(event, number, data, metadata)
        assert stored == read_back
        assert repr(stored) == repr(read_back)
        # Fresh payloads: changing the caller's event does not change the record returned.
        assert stored.data is not event.data or not event.data


@pytest.mark.parametrize("bad", [
    {"x": float("nan")}, {"x": {1, 2}}, {"x": "nul\x00"}, {"x": 2**64}, {1: "a", "1": "b"}, {"x": [b"bytes"]},
    {"x": datetime(2024, 1, 1)}, {None: 1},
])
@pytest.mark.parametrize("field", ["data", "metadata"])
def test_a_payload_is_refused_with_the_error_of_to_params(bad: dict[Any, Any], field: str) -> None:
    db = Database(DIALECTS["sqlite"])
    event = Event.new(type="message_sent", session_id="ses_a", **{field: bad})
    with pytest.raises(ValidationError) as expected:
        to_params(db.dialect, event)
    with pytest.raises(ValidationError) as got:
        _encode(db, event, "events[3].")
    assert (str(got.value), got.value.details) == (str(expected.value), expected.value.details)


def test_an_oversized_payload_is_refused_where_it_is() -> None:
    db = Database(DIALECTS["mysql"], max_event_bytes=10)
    with pytest.raises(ValidationError) as raised:
        _encode(db, Event.new(type="message_sent", session_id="ses_a", metadata={"text": "x" * 20}), "events[2].")
    assert raised.value.details["field"] == "events[2].metadata"
