"""The row converters (asm/convert/rows.py): records <-> each dialect's parameters and rows, through
cattrs-generated hooks, on hand-made rows in each driver's wire forms."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from asm.drivers.dialects import DIALECTS
from asm.convert.rows import _ROW_PLANS, _row_plan, from_row, records_from, row_converter, to_params
from asm.core.operation import Rows
from asm.enums import EventType, RunStatus, SessionStatus
from asm.errors import StorageReadFailed, ValidationError
from asm.records import Artifact, Event, Run, Session

UTC = timezone.utc
WHEN = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
TABLES = {Session: "asm_sessions", Run: "asm_runs", Event: "asm_events", Artifact: "asm_artifacts"}
JSON_FIELDS = {"metadata", "context", "tags", "input", "output", "error", "token_usage",
               "provider_metadata", "data"}


def records() -> list[Any]:
    session = Session.new(agent_id="agent", status="active", parent_session_id="ses_parent",
                          metadata={"m": [1, {"n": None}]}, context={"goal": "x"}, tags=["a", "b"],
                          created_at=WHEN, deleted_at=WHEN + timedelta(days=1))
    run = Run.new(session_id=session.id, status="completed", input={"q": "hi"}, output={"a": 1.5},
                  turn_count=2, token_usage={"input_tokens": 1}, started_at=WHEN, ended_at=WHEN,
                  provider="openai", provider_metadata={"model": "m"})
    event = Event.new(type="tool_call_failed", session_id=session.id, run_id=run.id,
                      sequence_number=7, provider="openai", correlation_id="c1",
                      data={"tool": "grep", "big": 2**62}, metadata={"k": None}, timestamp=WHEN)
    artifact = Artifact.new(key="diffs/1", size_bytes=99, session_id=session.id, run_id=run.id,
                            metadata={"lines": 3}, created_at=WHEN)
    return [session, run, event, artifact, Session.new(agent_id="minimal"), Run.new(session_id="s")]


def wire_row(dialect: str, record: Any) -> dict[str, Any]:
    """The row the dialect's driver returns for what to_params wrote."""
    params = to_params(DIALECTS[dialect], record)
    if dialect == "postgres":  # psycopg parses jsonb; timestamps stay aware datetimes
        return {k: json.loads(v) if k in JSON_FIELDS and v is not None else v for k, v in params.items()}
    if dialect == "mysql":  # PyMySQL returns DATETIME(6) as naive datetimes
        return {k: datetime.fromisoformat(v) if isinstance(v, str) and k.endswith(("_at", "timestamp"))
                else v for k, v in params.items()}
    return params


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("record", records(), ids=lambda r: type(r).__name__)
def test_a_record_comes_back_from_its_row(dialect: str, record: Any) -> None:
    row = wire_row(dialect, record)
    back = from_row(DIALECTS[dialect], type(record), TABLES[type(record)], row)
    assert back == record and type(back) is type(record)
    for field in attrs.fields(type(record)):
        value = getattr(back, field.name)
        if isinstance(value, datetime):
            assert value.tzinfo is UTC
    assert row_converter(dialect).structure(row, type(record)) == record


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_params_hold_each_dialects_wire_forms(dialect: str) -> None:
    session = records()[0]
    params = to_params(DIALECTS[dialect], session)
    assert params == row_converter(dialect).unstructure(session)
    assert list(params) == [f.name for f in attrs.fields(Session)]
    assert params["status"] == "active" and type(params["status"]) is str
    assert json.loads(params["metadata"]) == {"m": [1, {"n": None}]}
    assert json.loads(params["tags"]) == ["a", "b"]
    expected_time = {"sqlite": "2024-03-01T09:30:00.123456Z", "mysql": "2024-03-01 09:30:00.123456",
                     "postgres": WHEN}[dialect]
    assert params["created_at"] == expected_time


def test_params_apply_the_payload_rules_naming_the_path() -> None:
    event = Event.new(type="message_sent", session_id="s", data={"items": [{}, {"when": datetime(2024, 1, 1)}]})
    for dialect in DIALECTS.values():
        with pytest.raises(ValidationError) as info:
            to_params(dialect, event)
        assert info.value.details == {"field": "data", "path": "data.items[1].when"}
        assert info.value.message.startswith("data.items[1].when: ")


def test_reading_skips_the_text_and_range_checks_but_not_enums_and_payload_shapes() -> None:
    dialect = DIALECTS["sqlite"]
    row = to_params(dialect, Event.new(type="message_sent", session_id="s"))
    # What only the column types hold is not checked again...
    long_id = from_row(dialect, Event, "asm_events", {**row, "session_id": "s" * 300})
    assert long_id.session_id == "s" * 300
    # ...but enums are parsed and payloads must be objects.
    assert from_row(dialect, Event, "asm_events", row).type is EventType.MESSAGE_SENT
    for change, column in (({"type": "nope"}, "type"), ({"data": "[1]"}, "data"),
                           ({"metadata": "{oops"}, "metadata"), ({"timestamp": "then"}, "timestamp"),
                           ({"timestamp": None}, "timestamp")):
        with pytest.raises(StorageReadFailed) as info:
            from_row(dialect, Event, "asm_events", {**row, **change})
        assert info.value.details == {"table": "asm_events", "id": row["id"], "column": column}
        assert column in info.value.message and row["id"] in info.value.message


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_an_unknown_stored_status_names_its_column(dialect: str) -> None:
    row = wire_row(dialect, Session.new(agent_id="a"))
    with pytest.raises(StorageReadFailed) as info:
        from_row(DIALECTS[dialect], Session, "asm_sessions", {**row, "status": "sleeping"})
    assert info.value.details["column"] == "status"
    assert "sleeping" in info.value.message
    row["status"] = SessionStatus.PAUSED.value
    assert from_row(DIALECTS[dialect], Session, "asm_sessions", row).status is SessionStatus.PAUSED


def test_a_row_without_every_column_takes_the_defaults() -> None:
    dialect = DIALECTS["sqlite"]
    run = from_row(dialect, Run, "asm_runs", {"id": "run_1", "session_id": "ses_1", "status": "running",
                                              "started_at": "2024-03-01T09:30:00Z"})
    assert (run.id, run.status, run.turn_count, run.input) == ("run_1", RunStatus.RUNNING, 0, None)
    assert run.started_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(StorageReadFailed) as info:
        from_row(dialect, Run, "asm_runs", {"id": "run_1"})
    assert info.value.details == {"table": "asm_runs", "id": "run_1", "column": "session_id"}
    with pytest.raises(StorageReadFailed) as info:
        from_row(dialect, Run, "asm_runs", {"id": "run_1", "session_id": "s", "input": "{x"})
    assert info.value.details["column"] == "input"


def test_extra_columns_are_ignored() -> None:
    dialect = DIALECTS["sqlite"]
    session = Session.new(agent_id="a")
    row = {**to_params(dialect, session), "total_count": 3, "last_sequence": 9}
    assert from_row(dialect, Session, "asm_sessions", row) == session


# -- row plans: tuples, by column position (records_from) ----------------------------------


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize("order", ["fields", "reversed"])
def test_a_row_plan_reads_tuples_as_from_row_reads_dicts(dialect: str, order: str) -> None:
    for record in records():
        row = wire_row(dialect, record)
        columns = tuple(row) if order == "fields" else tuple(reversed(row))
        rows = Rows(columns, [tuple(row[c] for c in columns)] * 2)
        plan = _row_plan(dialect, type(record), columns)  # the plan itself: a failure would not fall back
        assert plan is not None and plan(rows.data) == [record, record]
        got = records_from(DIALECTS[dialect], type(record), TABLES[type(record)], rows)
        assert got == [record, record] and all(type(r) is type(record) for r in got)


def test_a_row_plan_is_generated_once_per_columns() -> None:
    record = records()[2]
    row = wire_row("sqlite", record)
    rows = Rows(tuple(row), [tuple(row.values())])
    records_from(DIALECTS["sqlite"], Event, "asm_events", rows)
    plan = _ROW_PLANS["sqlite", Event, tuple(row)]
    records_from(DIALECTS["sqlite"], Event, "asm_events", rows)
    assert _ROW_PLANS["sqlite", Event, tuple(row)] is plan


def test_a_broken_row_read_by_a_plan_names_its_column() -> None:
    record = records()[2]
    row = wire_row("sqlite", record) | {"data": "[1, 2]"}  # a list where the payload is an object
    rows = Rows(tuple(row), [tuple(row.values())])
    with pytest.raises(StorageReadFailed) as raised:
        records_from(DIALECTS["sqlite"], Event, "asm_events", rows)
    assert raised.value.details == {"table": "asm_events", "id": record.id, "column": "data"}


def test_a_narrower_select_is_read_by_the_record_class() -> None:
    record = Session.new(agent_id="a")
    row = {k: v for k, v in wire_row("sqlite", record).items() if k not in ("tags", "deleted_at")}
    (back,) = records_from(DIALECTS["sqlite"], Session, "asm_sessions", Rows(tuple(row), [tuple(row.values())]))
    assert back == record
    broken = row | {"metadata": "[1]"}
    with pytest.raises(StorageReadFailed) as raised:
        records_from(DIALECTS["sqlite"], Session, "asm_sessions", Rows(tuple(broken), [tuple(broken.values())]))
    assert raised.value.details["table"] == "asm_sessions"


def test_no_rows_make_no_plan() -> None:
    assert records_from(DIALECTS["postgres"], Run, "asm_runs", Rows(("nothing",), [])) == []
    assert not any(columns == ("nothing",) for (_, _, columns) in _ROW_PLANS)
