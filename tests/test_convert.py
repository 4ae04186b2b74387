"""The converter: JSON payload rules, timestamps, and records to/from dicts."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from payload_cases import ACCEPTED, INT64_MAX, INT64_MIN, MAX_DEPTH, REJECTED

from asm import convert
from asm.convert import (
    converter,
    format_timestamp,
    normalize_json,
    parse_timestamp,
    record_from_dict,
    record_to_dict,
)
from asm.enums import EventType, RunStatus, SessionStatus
from asm.errors import InvalidEventType, InvalidStatus, ValidationError
from asm.records import Artifact, Event, Run, Session

UTC = timezone.utc
PLUS_TWO = timezone(timedelta(hours=2))
PLAIN_TYPES = (dict, list, str, int, float, bool, type(None))


def assert_plain(value):
    """Only exact JSON types, dict keys all str."""
    assert type(value) in PLAIN_TYPES, type(value)
    if type(value) is dict:
        for key, item in value.items():
            assert type(key) is str
            assert_plain(item)
    elif type(value) is list:
        for item in value:
            assert_plain(item)


def same_json(a, b):
    """Equal, and equal as JSON text: tells -0.0 from 0.0, 1 from 1.0 and True from 1."""
    return a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_shared_constants_agree():
    assert MAX_DEPTH == convert.MAX_DEPTH
    assert (INT64_MIN, INT64_MAX) == (-(2**63), 2**63 - 1)


# --- payload rules ---


@pytest.mark.parametrize("value, expected", ACCEPTED)
def test_accepted_payloads_normalize(value, expected):
    normalized = normalize_json(value, "data")
    assert same_json(normalized, expected)
    assert_plain(normalized)
    # Already-normalized values are fixed points, and survive plain JSON unchanged.
    assert same_json(normalize_json(normalized, "data"), normalized)
    text = json.dumps(normalized, ensure_ascii=False, allow_nan=False)
    assert same_json(json.loads(text), normalized)


@pytest.mark.parametrize("value, expected", ACCEPTED)
def test_accepted_payloads_through_a_record(value, expected):
    event = Event.new(type="message_sent", session_id="s", data=value, metadata=value)
    row = record_to_dict(event)
    assert same_json(row["data"], expected) and same_json(row["metadata"], expected)
    assert record_from_dict(Event, row).data == expected


def test_negative_zero_keeps_its_sign():
    assert math.copysign(1.0, normalize_json({"f": -0.0}, "data")["f"]) == -1.0


@pytest.mark.parametrize("value, path", REJECTED)
def test_rejected_payloads_name_the_path(value, path):
    with pytest.raises(ValidationError) as info:
        normalize_json(value, "data")
    assert type(info.value) is ValidationError
    assert info.value.details == {"field": "data", "path": path}
    assert info.value.message.startswith(path + ": ")


@pytest.mark.parametrize("value, path", REJECTED)
def test_rejected_payloads_through_a_record(value, path):
    event = Event.new(type="message_sent", session_id="s", data=value)
    with pytest.raises(ValidationError) as info:
        record_to_dict(event)
    assert info.value.details["path"] == path


def test_path_root_is_the_field_name():
    with pytest.raises(ValidationError) as info:
        record_to_dict(Run.new(session_id="s", token_usage={"x": [1, {"y": {1}}]}))
    assert info.value.details == {"field": "token_usage", "path": "token_usage.x[1].y"}


def test_top_level_scalars_and_lists():
    assert normalize_json("x", "v") == "x" and normalize_json(None, "v") is None
    assert normalize_json((1, RunStatus.RUNNING), "v") == [1, "running"]
    with pytest.raises(ValidationError) as info:
        normalize_json({1}, "v")
    assert info.value.details["path"] == "v"


def test_normalize_copies_containers():
    value = {"a": [1, {"b": 2}]}
    normalized = normalize_json(value, "data")
    assert normalized == value and normalized is not value
    assert normalized["a"] is not value["a"] and normalized["a"][1] is not value["a"][1]


def test_normalize_keeps_key_order():
    value = OrderedDict([("z", 1), ("a", 2), (3, 3)])
    assert list(normalize_json(value, "data")) == ["z", "a", "3"]


def test_self_reference_is_rejected_not_a_crash():
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValidationError) as info:
        normalize_json(loop, "data")
    assert "nested deeper" in info.value.message


JSON_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats(allow_nan=False, allow_infinity=False)
    | JSON_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(JSON_TEXT, children, max_size=4)
    ),
    max_leaves=30,
)


@given(st.dictionaries(JSON_TEXT, JSON_VALUES, max_size=5))
def test_plain_json_is_kept_as_is(value):
    normalized = normalize_json(value, "data")
    assert same_json(normalized, value)
    assert same_json(json.loads(json.dumps(normalized)), normalized)


# --- timestamps ---


@pytest.mark.parametrize(
    "value, text",
    [
        (datetime(2024, 5, 1, 10, 30, 15, 123456, UTC), "2024-05-01T10:30:15.123456Z"),
        (datetime(2024, 5, 1, 12, 30, tzinfo=PLUS_TWO), "2024-05-01T10:30:00.000000Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000000Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, UTC), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_format_timestamp_is_fixed_width_utc(value, text):
    assert format_timestamp(value) == text
    assert len(text) == 27
    assert parse_timestamp(text) == value


def test_format_timestamp_sorts_like_time():
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    moments = [base + timedelta(microseconds=n * 999_983) for n in range(0, 5000, 7)]
    texts = [format_timestamp(m) for m in moments]
    assert texts == sorted(texts)


def test_format_timestamp_rejects_naive():
    with pytest.raises(ValueError):
        format_timestamp(datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-01T10:30:15.123456Z", datetime(2024, 5, 1, 10, 30, 15, 123456, UTC)),
        ("2024-05-01T12:30:15+02:00", datetime(2024, 5, 1, 10, 30, 15, tzinfo=UTC)),
        ("2024-05-01 10:30:15.5+00:00", datetime(2024, 5, 1, 10, 30, 15, 500000, UTC)),
        ("2024-04-30T23:00:00-05:30", datetime(2024, 5, 1, 4, 30, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.tzinfo is timezone.utc


@pytest.mark.parametrize("text", ["2024-05-01T10:30:15", "2024-05-01", "yesterday", ""])
def test_parse_timestamp_rejects_naive_or_garbage(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


# --- records ---


def full_records():
    when = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    session = Session.new(
        agent_id="agent", status="active", parent_session_id="ses_parent", metadata={"m": [1]},
        context={"goal": "x"}, tags=("a", "b"), created_at=when, deleted_at=when,
    )
    run = Run.new(
        session_id=session.id, status="completed", input={"q": "hi"}, output={"a": 1.5},
        turn_count=2, token_usage={"input_tokens": 1}, started_at=when, ended_at=when,
        provider="openai", provider_metadata={"model": "m"},
    )
    event = Event.new(
        type="tool_call_failed", session_id=session.id, run_id=run.id, sequence_number=7,
        provider="openai", correlation_id="c1", data={"tool": "grep"}, metadata={"k": None},
        schema_version=2, timestamp=when,
    )
    artifact = Artifact.new(
        key="diffs/1", size_bytes=99, session_id=session.id, run_id=run.id, type="diff",
        content_type="text/x-diff", checksum_sha256="ab" * 32, storage_backend="s3",
        storage_ref="s3://bucket/diffs/1", metadata={"lines": 3}, created_at=when,
    )
    return [session, run, event, artifact, Session.new(agent_id="minimal"),
            Run.new(session_id="s"), Event.new(type="session_created", session_id="s"),
            Artifact.new(key="k", size_bytes=0)]


@pytest.mark.parametrize("record", full_records(), ids=lambda r: type(r).__name__)
def test_record_to_dict_shape(record):
    row = record_to_dict(record)
    assert list(row) == [f.name for f in attrs.fields(type(record))]
    for field in attrs.fields(type(record)):
        value = row[field.name]
        original = getattr(record, field.name)
        if isinstance(original, (SessionStatus, RunStatus, EventType)):
            assert type(value) is str and value == original.value
        elif isinstance(original, datetime):
            assert value == original and value.tzinfo is timezone.utc
        elif isinstance(original, (dict, list)):
            assert_plain(value)
            assert value == original
        else:
            assert value is original


@pytest.mark.parametrize("record", full_records(), ids=lambda r: type(r).__name__)
def test_record_round_trip(record):
    row = record_to_dict(record)
    assert record_from_dict(type(record), row) == record
    assert converter.unstructure(record) == row
    assert converter.structure(row, type(record)) == record


def test_record_to_dict_normalizes_payloads_and_keeps_none():
    run = Run.new(session_id="s", input={"status": RunStatus.RUNNING, 1: (1, 2)})
    row = record_to_dict(run)
    assert row["input"] == {"status": "running", "1": [1, 2]}
    assert row["output"] is None and row["error"] is None


def test_record_from_dict_accepts_timestamp_text():
    row = record_to_dict(Session.new(agent_id="a"))
    as_text = {**row, "created_at": format_timestamp(row["created_at"]),
               "updated_at": "2024-05-01T12:00:00+02:00"}
    session = record_from_dict(Session, as_text)
    assert session.created_at == row["created_at"]
    assert session.updated_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


def test_record_from_dict_ignores_unknown_keys_and_fills_defaults():
    session = record_from_dict(Session, {"id": "ses_x", "agent_id": "a", "extra_column": 1})
    assert session.id == "ses_x" and session.tags == [] and session.deleted_at is None


@pytest.mark.parametrize(
    "cls, changes, field, error",
    [
        (Session, {"status": "archived"}, "status", InvalidStatus),
        (Run, {"status": "done"}, "status", InvalidStatus),
        (Event, {"type": "unknown"}, "type", InvalidEventType),
        (Session, {"created_at": "not a time"}, "created_at", ValidationError),
        (Session, {"created_at": "2024-01-01T00:00:00"}, "created_at", ValidationError),
        (Session, {"created_at": datetime(2024, 1, 1)}, "created_at", ValidationError),
        (Session, {"tags": "x"}, "tags", ValidationError),
        (Run, {"turn_count": -3}, "turn_count", ValidationError),
        (Event, {"data": "{}"}, "data", ValidationError),
    ],
)
def test_record_from_dict_errors_name_the_field(cls, changes, field, error):
    row = record_to_dict(next(r for r in full_records() if type(r) is cls))
    with pytest.raises(error) as info:
        record_from_dict(cls, {**row, **changes})
    assert type(info.value) is error and info.value.details["field"] == field


@pytest.mark.parametrize(
    "cls, field", [(Session, "agent_id"), (Event, "type"), (Artifact, "size_bytes")]
)
def test_record_from_dict_missing_required_field(cls, field):
    row = record_to_dict(next(r for r in full_records() if type(r) is cls))
    del row[field]
    with pytest.raises(ValidationError) as info:
        record_from_dict(cls, row)
    assert info.value.details["field"] == field


def test_converter_handles_lists_of_records():
    events = [Event.new(type="message_sent", session_id="s", data={"i": i}) for i in range(3)]
    rows = converter.unstructure(events)
    assert [row["data"] for row in rows] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert converter.structure(rows, list[Event]) == events
