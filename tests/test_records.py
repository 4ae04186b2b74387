"""Records, enums, ids and errors: construction, defaults, validation and helpers."""

from __future__ import annotations

import pickle
import re
import reprlib
import threading
from datetime import date, datetime, timedelta, timezone

import attrs
import pytest

from asm import ids
from asm.enums import EventType, RunStatus, SessionStatus, parse_enum
from asm.errors import (
    AlreadyExists,
    AsmError,
    ConflictError,
    InvalidCursor,
    InvalidEventType,
    InvalidStatus,
    NotFound,
    RunNotFound,
    SchemaError,
    SessionNotFound,
    StorageConnectionFailed,
    StorageError,
    StorageReadFailed,
    StorageWriteFailed,
    ValidationError,
)
from asm.ids import new_id, utc_now
from asm.records import Artifact, Event, ExecutionResult, Run, Session

ID_RE = re.compile(r"^(ses|run|evt|art)_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$")
NAIVE = datetime(2024, 1, 1, 12, 0)
PLUS_TWO = timezone(timedelta(hours=2))


def build(cls, **changes):
    """A valid record of `cls` with `changes` applied (the required fields filled in)."""
    required = {
        Session: {"agent_id": "agent"},
        Run: {"session_id": "ses_1"},
        Event: {"type": "message_sent", "session_id": "ses_1"},
        Artifact: {"key": "k", "size_bytes": 0},
    }[cls]
    return cls(**{**required, **changes})


# --- errors ---

ERROR_CODES = [
    (AsmError, "asm_error", None),
    (ValidationError, "validation_error", AsmError),
    (InvalidStatus, "invalid_status", ValidationError),
    (InvalidEventType, "invalid_event_type", ValidationError),
    (InvalidCursor, "invalid_cursor", ValidationError),
    (NotFound, "not_found", AsmError),
    (SessionNotFound, "session_not_found", NotFound),
    (RunNotFound, "run_not_found", NotFound),
    (AlreadyExists, "already_exists", AsmError),
    (ConflictError, "conflict", AsmError),
    (SchemaError, "schema_error", AsmError),
    (StorageError, "storage_error", AsmError),
    (StorageConnectionFailed, "storage_connection_failed", StorageError),
    (StorageWriteFailed, "storage_write_failed", StorageError),
    (StorageReadFailed, "storage_read_failed", StorageError),
]


@pytest.mark.parametrize("cls, code, parent", ERROR_CODES, ids=[c[1] for c in ERROR_CODES])
def test_error_codes_and_hierarchy(cls, code, parent):
    error = cls("boom")
    assert cls.code == error.code == code
    assert isinstance(error, AsmError) and isinstance(error, Exception)
    if parent is not None:
        assert issubclass(cls, parent)
    assert error.retryable is (cls is StorageConnectionFailed)
    assert error.message == str(error) == "boom"
    assert error.details == {}


def test_error_details_and_retryable_override():
    details = {"field": "x"}
    error = StorageWriteFailed("nope", details=details, retryable=True)
    assert error.details == {"field": "x"} and error.details is not details
    assert error.retryable is True and StorageWriteFailed.retryable is False
    assert StorageConnectionFailed("down", retryable=False).retryable is False


def test_error_survives_pickling():
    original = InvalidStatus("bad", details={"field": "status"}, retryable=True)
    error = pickle.loads(pickle.dumps(original))
    assert type(error) is InvalidStatus
    assert (error.message, error.details, error.retryable) == ("bad", {"field": "status"}, True)


# --- enums ---


def test_enum_values_and_members():
    assert [s.value for s in SessionStatus] == [
        "pending", "active", "paused", "completed", "failed", "cancelled"
    ]
    assert [s.value for s in RunStatus] == [
        "pending", "running", "completed", "failed", "cancelled", "timeout"
    ]
    assert len(EventType) == 25
    assert EventType.MESSAGE_SENT == "message_sent"
    assert all(member.name == member.value.upper() for enum in (SessionStatus, RunStatus, EventType)
               for member in enum)


def test_event_type_categories_cover_every_type_in_order():
    categories = [
        EventType.session_events(), EventType.run_events(), EventType.message_events(),
        EventType.tool_events(), EventType.error_events(), EventType.usage_events(),
        EventType.workspace_events(), EventType.policy_events(),
    ]
    assert [t for category in categories for t in category] == list(EventType)
    assert EventType.usage_events() == (EventType.TOKEN_USAGE_UPDATED, EventType.TURN_COMPLETED)
    assert EventType.error_events() == (EventType.ERROR_OCCURRED, EventType.ERROR_RECOVERED)
    assert EventType.policy_events() == (EventType.POLICY_VIOLATION,)
    assert len(EventType.session_events()) == 7 and len(EventType.tool_events()) == 3
    assert all(isinstance(category, tuple) for category in categories)


def test_terminal_statuses():
    assert SessionStatus.terminal() == (
        SessionStatus.COMPLETED, SessionStatus.FAILED, SessionStatus.CANCELLED
    )
    assert RunStatus.terminal() == (
        RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.TIMEOUT
    )


@pytest.mark.parametrize("enum_cls", [SessionStatus, RunStatus, EventType])
def test_parse_enum_accepts_members_and_value_strings(enum_cls):
    for member in enum_cls:
        assert parse_enum(enum_cls, member, "f") is member
        assert parse_enum(enum_cls, member.value, "f") is member


@pytest.mark.parametrize(
    "enum_cls, value, error",
    [
        (SessionStatus, "ACTIVE", InvalidStatus),
        (SessionStatus, "running", InvalidStatus),
        (SessionStatus, RunStatus.COMPLETED, InvalidStatus),  # another enum's member
        (RunStatus, None, InvalidStatus),
        (RunStatus, 1, InvalidStatus),
        (RunStatus, ["running"], InvalidStatus),
        (EventType, "message sent", InvalidEventType),
        (EventType, "", InvalidEventType),
        (EventType, SessionStatus.PENDING, InvalidEventType),
    ],
)
def test_parse_enum_rejects(enum_cls, value, error):
    with pytest.raises(error) as info:
        parse_enum(enum_cls, value, "the_field")
    message = info.value.message
    assert "the_field" in message and reprlib.repr(value) in message
    assert all(member.value in message for member in enum_cls)
    assert info.value.details == {"field": "the_field", "value": reprlib.repr(value)}


# --- ids and clock ---


@pytest.mark.parametrize("prefix", ["ses", "run", "evt", "art"])
def test_new_id_format(prefix):
    value = new_id(prefix)
    assert ID_RE.match(value) and value.startswith(prefix + "_")
    millis = int(value[4:16], 16)
    assert abs(millis / 1000 - datetime.now(timezone.utc).timestamp()) < 5


def test_new_ids_are_unique_and_ordered():
    values = [new_id("evt") for _ in range(20_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_new_id_is_monotonic_with_a_frozen_clock(monkeypatch):
    now = ids.time_ns()
    monkeypatch.setattr(ids, "time_ns", lambda: now)
    # More ids than the 12-bit counter holds in one millisecond.
    values = [new_id("evt") for _ in range(10_000)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert all(ID_RE.match(v) for v in values)


def test_new_id_is_monotonic_when_the_clock_steps_back(monkeypatch):
    ticks = iter(range(10_000, 0, -1))
    base = ids.time_ns()
    monkeypatch.setattr(ids, "time_ns", lambda: base + next(ticks) * 1_000_000)
    values = [new_id("evt") for _ in range(5_000)]
    assert values == sorted(values) and len(set(values)) == len(values)


def test_new_id_is_thread_safe():
    results: list[list[str]] = []

    def work():
        mine = [new_id("evt") for _ in range(3_000)]
        results.append(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [v for mine in results for v in mine]
    assert len(set(everything)) == len(everything) == 24_000
    assert all(mine == sorted(mine) for mine in results)


def test_utc_now():
    now = utc_now()
    assert now.tzinfo is timezone.utc
    assert abs((datetime.now(timezone.utc) - now).total_seconds()) < 5


# --- construction and defaults ---


def test_session_defaults():
    session = Session.new(agent_id="agent")
    assert session.id.startswith("ses_") and ID_RE.match(session.id)
    assert session.agent_id == "agent"
    assert session.status is SessionStatus.PENDING
    assert session.parent_session_id is None and session.deleted_at is None
    assert session.metadata == {} and session.context == {} and session.tags == []
    assert session.created_at == session.updated_at
    assert session.created_at.tzinfo is timezone.utc


def test_defaults_are_not_shared():
    first, second = Session.new(agent_id="a"), Session.new(agent_id="a")
    assert first.metadata is not second.metadata and first.tags is not second.tags
    assert first.id != second.id


def test_run_defaults():
    run = Run.new(session_id="ses_1")
    assert run.id.startswith("run_") and run.status is RunStatus.PENDING
    assert (run.input, run.output, run.error, run.ended_at, run.provider) == (None,) * 5
    assert (run.metadata, run.token_usage, run.provider_metadata, run.turn_count) == ({}, {}, {}, 0)
    assert run.started_at.tzinfo is timezone.utc


def test_event_defaults():
    event = Event.new(type=EventType.TOOL_CALL_STARTED, session_id="ses_1")
    assert event.id.startswith("evt_") and event.type is EventType.TOOL_CALL_STARTED
    optional = (event.run_id, event.sequence_number, event.provider, event.correlation_id)
    assert optional == (None,) * 4
    assert (event.data, event.metadata, event.schema_version) == ({}, {}, 1)
    assert event.timestamp.tzinfo is timezone.utc


def test_artifact_defaults():
    artifact = Artifact.new(key="diffs/1", size_bytes=10)
    assert artifact.id.startswith("art_")
    assert artifact.key == "diffs/1" and artifact.size_bytes == 10
    optional = ("session_id", "run_id", "type", "content_type", "checksum_sha256",
                "storage_backend", "storage_ref", "deleted_at")
    assert all(getattr(artifact, name) is None for name in optional)
    assert artifact.metadata == {} and artifact.created_at.tzinfo is timezone.utc


def test_every_field_can_be_given():
    when = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    session = Session.new(
        agent_id="a", id="my-session", status="active", parent_session_id="p", metadata={"m": 1},
        context={"c": [1]}, tags=["x", "y"], created_at=when, updated_at=when + timedelta(1),
        deleted_at=when,
    )
    assert session.id == "my-session" and session.status is SessionStatus.ACTIVE
    assert session.updated_at == when + timedelta(1) and session.deleted_at == when
    event = Event.new(type="run_started", session_id="s", run_id="r", sequence_number=3,
                      provider="openai", correlation_id="c", data={"d": 1}, schema_version=2,
                      timestamp=when)
    assert event.type is EventType.RUN_STARTED and event.sequence_number == 3
    artifact = Artifact.new(key="k", size_bytes=2**40, storage_ref="s3://b/" + "x" * 2000,
                            checksum_sha256="0" * 64, type="diff", content_type="text/x-diff")
    assert artifact.size_bytes == 2**40


def test_construction_is_keyword_only():
    with pytest.raises(TypeError):
        Session("ses_1", "agent")  # type: ignore[misc]


def test_enum_fields_accept_strings():
    assert Session.new(agent_id="a", status="active").status is SessionStatus.ACTIVE
    assert Run.new(session_id="s", status="timeout").status is RunStatus.TIMEOUT
    assert Event.new(type="policy_violation", session_id="s").type is EventType.POLICY_VIOLATION


def test_aware_datetimes_become_utc():
    local = datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=PLUS_TWO)
    session = Session.new(agent_id="a", created_at=local, updated_at=local)
    assert session.created_at == local
    assert session.created_at.tzinfo is timezone.utc and session.created_at.hour == 10
    assert session.created_at.microsecond == 5


def test_tags_tuple_becomes_list():
    assert Session.new(agent_id="a", tags=("x", "y")).tags == ["x", "y"]


def test_id_length_limit_is_inclusive():
    assert Session.new(agent_id="a", id="x" * 255).id == "x" * 255
    assert Artifact.new(key="k", size_bytes=0, storage_ref="x" * 2048).storage_ref == "x" * 2048


def test_payloads_are_not_deep_validated_at_construction():
    # The converter checks contents when the record is written.
    event = Event.new(type="message_sent", session_id="s", data={"raw": {1, 2}, 1.5: b""})
    assert event.data["raw"] == {1, 2}


def test_execution_result():
    session = Session.new(agent_id="a")
    run = Run.new(session_id=session.id)
    events = (Event.new(type="run_started", session_id=session.id),)
    result = ExecutionResult(session, run, events)
    assert result.events == list(events) and result.provider_metadata == {}
    with_metadata = ExecutionResult(session, run, [], provider_metadata={"x": 1})
    assert with_metadata.provider_metadata == {"x": 1}
    with pytest.raises(ValidationError) as info:
        ExecutionResult(session, run, events[0])
    assert info.value.details["field"] == "events"


# --- validation errors name the field ---

INVALID = [
    # ids and required strings
    (Session, {"id": ""}, "id", ValidationError),
    (Session, {"id": "x" * 256}, "id", ValidationError),
    (Session, {"id": None}, "id", ValidationError),
    (Session, {"id": 12}, "id", ValidationError),
    (Session, {"agent_id": ""}, "agent_id", ValidationError),
    (Session, {"agent_id": None}, "agent_id", ValidationError),
    (Session, {"agent_id": "a\x00b"}, "agent_id", ValidationError),
    (Session, {"agent_id": "a\ud800"}, "agent_id", ValidationError),
    (Session, {"parent_session_id": ""}, "parent_session_id", ValidationError),
    (Session, {"parent_session_id": 5}, "parent_session_id", ValidationError),
    (Run, {"session_id": ""}, "session_id", ValidationError),
    (Run, {"session_id": "s" * 256}, "session_id", ValidationError),
    (Run, {"provider": "p" * 256}, "provider", ValidationError),
    (Run, {"provider": 1}, "provider", ValidationError),
    (Event, {"session_id": 1}, "session_id", ValidationError),
    (Event, {"run_id": ""}, "run_id", ValidationError),
    (Event, {"correlation_id": "c" * 256}, "correlation_id", ValidationError),
    (Artifact, {"key": ""}, "key", ValidationError),
    (Artifact, {"key": "k" * 256}, "key", ValidationError),
    (Artifact, {"session_id": ""}, "session_id", ValidationError),
    (Artifact, {"type": 1}, "type", ValidationError),
    (Artifact, {"content_type": "c" * 256}, "content_type", ValidationError),
    (Artifact, {"checksum_sha256": b"00"}, "checksum_sha256", ValidationError),
    (Artifact, {"storage_backend": "b\x00"}, "storage_backend", ValidationError),
    (Artifact, {"storage_ref": "r" * 2049}, "storage_ref", ValidationError),
    # enums
    (Session, {"status": "bogus"}, "status", InvalidStatus),
    (Session, {"status": None}, "status", InvalidStatus),
    (Run, {"status": "active"}, "status", InvalidStatus),
    (Run, {"status": SessionStatus.ACTIVE}, "status", InvalidStatus),
    (Event, {"type": "bogus"}, "type", InvalidEventType),
    (Event, {"type": None}, "type", InvalidEventType),
    # datetimes
    (Session, {"created_at": NAIVE}, "created_at", ValidationError),
    (Session, {"updated_at": NAIVE}, "updated_at", ValidationError),
    (Session, {"deleted_at": NAIVE}, "deleted_at", ValidationError),
    (Session, {"created_at": "2024-01-01T00:00:00Z"}, "created_at", ValidationError),
    (Session, {"created_at": date(2024, 1, 1)}, "created_at", ValidationError),
    (Session, {"created_at": None}, "created_at", ValidationError),
    (Run, {"started_at": NAIVE}, "started_at", ValidationError),
    (Run, {"ended_at": 0}, "ended_at", ValidationError),
    (Event, {"timestamp": NAIVE}, "timestamp", ValidationError),
    (Event, {"timestamp": 1700000000}, "timestamp", ValidationError),
    (Artifact, {"created_at": NAIVE}, "created_at", ValidationError),
    (Artifact, {"deleted_at": NAIVE}, "deleted_at", ValidationError),
    # payloads and tags
    (Session, {"metadata": None}, "metadata", ValidationError),
    (Session, {"metadata": []}, "metadata", ValidationError),
    (Session, {"context": "{}"}, "context", ValidationError),
    (Session, {"tags": "pinned"}, "tags", ValidationError),
    (Session, {"tags": None}, "tags", ValidationError),
    (Session, {"tags": ["ok", 1]}, "tags", ValidationError),
    (Session, {"tags": ["a\x00"]}, "tags", ValidationError),
    (Session, {"tags": {"a"}}, "tags", ValidationError),
    (Run, {"input": []}, "input", ValidationError),
    (Run, {"output": "done"}, "output", ValidationError),
    (Run, {"error": 1}, "error", ValidationError),
    (Run, {"token_usage": None}, "token_usage", ValidationError),
    (Run, {"provider_metadata": []}, "provider_metadata", ValidationError),
    (Run, {"metadata": ()}, "metadata", ValidationError),
    (Event, {"data": None}, "data", ValidationError),
    (Event, {"data": [1]}, "data", ValidationError),
    (Event, {"metadata": "x"}, "metadata", ValidationError),
    (Artifact, {"metadata": None}, "metadata", ValidationError),
    # ints
    (Run, {"turn_count": -1}, "turn_count", ValidationError),
    (Run, {"turn_count": True}, "turn_count", ValidationError),
    (Run, {"turn_count": 1.0}, "turn_count", ValidationError),
    (Run, {"turn_count": "1"}, "turn_count", ValidationError),
    (Run, {"turn_count": 2**63}, "turn_count", ValidationError),
    # INTEGER columns: anything past 32 bits would fail in the database instead.
    (Run, {"turn_count": 2**31}, "turn_count", ValidationError),
    (Event, {"sequence_number": 0}, "sequence_number", ValidationError),
    (Event, {"sequence_number": False}, "sequence_number", ValidationError),
    (Event, {"sequence_number": 1.5}, "sequence_number", ValidationError),
    (Event, {"schema_version": 0}, "schema_version", ValidationError),
    (Event, {"schema_version": True}, "schema_version", ValidationError),
    (Event, {"schema_version": None}, "schema_version", ValidationError),
    (Event, {"schema_version": 2**31}, "schema_version", ValidationError),
    (Artifact, {"size_bytes": -1}, "size_bytes", ValidationError),
    (Artifact, {"size_bytes": None}, "size_bytes", ValidationError),
    (Artifact, {"size_bytes": False}, "size_bytes", ValidationError),
]


@pytest.mark.parametrize(
    "cls, changes, field, error",
    INVALID,
    ids=[f"{case[0].__name__}-{case[2]}-{i}" for i, case in enumerate(INVALID)],
)
def test_invalid_values_name_the_field(cls, changes, field, error):
    with pytest.raises(error) as info:
        build(cls, **changes)
    assert type(info.value) is error
    assert info.value.details["field"] == field
    assert field in info.value.message


@pytest.mark.parametrize("cls", [Session, Run, Event, Artifact])
def test_optional_values_accept_none(cls):
    optional = [f.name for f in attrs.fields(cls) if f.default is None]
    assert optional
    record = build(cls, **dict.fromkeys(optional))
    assert all(getattr(record, name) is None for name in optional)


# --- frozen records and helpers ---


@pytest.mark.parametrize("cls", [Session, Run, Event, Artifact])
def test_records_are_frozen(cls):
    record = build(cls)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.id = "other"  # type: ignore[misc]


def test_records_compare_by_value():
    session = Session.new(agent_id="a")
    assert session == attrs.evolve(session)
    assert session != attrs.evolve(session, tags=["x"])


def test_session_with_status():
    session = Session.new(agent_id="a", created_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
                          updated_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    active = session.with_status("active")
    assert active.status is SessionStatus.ACTIVE and session.status is SessionStatus.PENDING
    assert active.updated_at > session.updated_at and active.created_at == session.created_at
    assert active.id == session.id
    assert session.with_status(SessionStatus.PAUSED).status is SessionStatus.PAUSED
    with pytest.raises(InvalidStatus):
        session.with_status("running")


@pytest.mark.parametrize("status", list(RunStatus))
def test_run_with_status_sets_ended_at_for_terminal_statuses(status):
    run = Run.new(session_id="s").with_status(status.value)
    assert run.status is status
    assert (run.ended_at is not None) is (status in RunStatus.terminal())


def test_run_with_status_back_to_running_clears_ended_at():
    failed = Run.new(session_id="s", status="running").with_status("failed")
    assert failed.ended_at is not None
    assert failed.with_status(RunStatus.RUNNING).ended_at is None
    with pytest.raises(InvalidStatus) as info:
        failed.with_status("paused")
    assert info.value.details["field"] == "status"


def test_run_with_output_and_error():
    run = Run.new(session_id="s", status="running")
    done = run.with_output({"answer": 42})
    assert done.status is RunStatus.COMPLETED and done.output == {"answer": 42}
    assert done.ended_at is not None and done.ended_at >= done.started_at
    failed = run.with_error({"message": "boom"})
    assert failed.status is RunStatus.FAILED and failed.error == {"message": "boom"}
    assert failed.ended_at is not None and failed.output is None
    assert run.status is RunStatus.RUNNING and run.output is None and run.ended_at is None
    with pytest.raises(ValidationError) as info:
        run.with_output("text")  # type: ignore[arg-type]
    assert info.value.details["field"] == "output"


def test_run_with_turn():
    run = Run.new(session_id="s")
    assert run.with_turn().with_turn().turn_count == 2 and run.turn_count == 0


def test_run_with_token_usage_adds_numbers_and_replaces_the_rest():
    run = Run.new(session_id="s", token_usage={
        "input_tokens": 10, "output_tokens": 5, "cost": 0.5, "model": "a", "flag": True, "n": 1,
    })
    usage = run.with_token_usage({
        "input_tokens": 3, "cost": 0.25, "model": "b", "flag": 1, "n": False, "total_tokens": 18,
        "output_tokens": None,
    }).token_usage
    assert usage == {
        "input_tokens": 13, "output_tokens": None, "cost": 0.75, "model": "b", "flag": 1,
        "n": False, "total_tokens": 18,
    }
    assert type(usage["flag"]) is int and usage["n"] is False
    assert run.token_usage["input_tokens"] == 10  # the original is untouched
    with pytest.raises(ValidationError) as info:
        run.with_token_usage([("input_tokens", 1)])  # type: ignore[arg-type]
    assert info.value.details["field"] == "token_usage"


def test_run_with_token_usage_from_empty():
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    run = Run.new(session_id="s").with_token_usage(usage).with_token_usage(usage)
    assert run.token_usage == {"input_tokens": 2, "output_tokens": 4, "total_tokens": 6}
