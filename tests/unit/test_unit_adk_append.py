"""The ADK service's common append (asm.integrations.adk._operations.append_current_event), sans I/O:
one statement on PostgreSQL; elsewhere the row read, the counter taken past the number the writer
has seen, the event at the next number and the state saved; nothing changed when it is stale."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

pytest.importorskip("google.adk")

from asm import Event, Session  # noqa: E402
from asm.convert.rows import to_params  # noqa: E402
from asm.integrations.adk import _mapping as m  # noqa: E402
from asm.integrations.adk import _operations as ops  # noqa: E402
from drive import ANY, JsonOf, call, fresh_dialect, run  # noqa: E402

NOW = 1765100000.25
AT = datetime(2025, 12, 7, 9, 33, 20, 250000, tzinfo=timezone.utc)
SESSION = m.session_id("app", "ann", "s1")


def event() -> Event:
    return Event.new(type="message_received", session_id=SESSION, id="evt_adk_1", timestamp=AT,
                     provider=m.PROVIDER, data={"author": "user"}, metadata={"adk_event_id": "e1"})


def row() -> Session:
    return m.new_session_row("app", "ann", "s1", {"kept": 1, "changed": 1}, NOW - 10)


def appended(dialect: str, sequence: int) -> dict[str, object]:
    params = {"id": "evt_adk_1", "type": "message_received", "timestamp": ANY, "session_id": SESSION,
              "run_id": None, "sequence_number": None, "data": JsonOf({"author": "user"}),
              "metadata": JsonOf({"adk_event_id": "e1"}), "schema_version": ANY, "provider": m.PROVIDER,
              "correlation_id": None}
    return params | ({"sequence_number": sequence} if dialect != "postgres" else {})


def test_postgresql_appends_in_one_statement():
    number = run(ops.append_current_event, fresh_dialect("postgres"), event(), 4, {"changed": 2}, NOW, script=[
        call("adk_append_event", {**appended("postgres", 5), "now": ANY, "seen": 4,
                                  "state_delta": JsonOf({"changed": 2}), "last_update": JsonOf(NOW),
                                  "updated_at": ANY}, {"sequence_number": 5})])
    assert number == 5


def test_postgresql_hands_a_refused_append_to_the_general_path():
    assert run(ops.append_current_event, fresh_dialect("postgres"), event(), 4, {}, NOW, script=[
        call("adk_append_event", ANY, None)]) is None


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_elsewhere_the_counter_moves_only_past_what_the_writer_saw(name):
    stored = row()
    db = fresh_dialect(name)
    number = run(ops.append_current_event, db, event(), 4, {"changed": 2}, NOW, script=[
        call("get_session", {"id": SESSION}, to_params(db.dialect, stored)),
        call("adk_append_event", {"session_id": SESSION, "seen": 4, "now": ANY}, 1),
        call("append_event", appended(name, 5)),
        call("adk_save_session_state", {
            "session_id": SESSION, "updated_at": ANY,
            "context": JsonOf({m.STATE: {"kept": 1, "changed": 2}, m.LAST_UPDATE: NOW})}, 1)])
    assert number == 5


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_elsewhere_a_stale_writer_changes_nothing(name):
    db = fresh_dialect(name)
    assert run(ops.append_current_event, db, event(), 4, {}, NOW, script=[
        call("get_session", {"id": SESSION}, to_params(db.dialect, row())),
        call("adk_append_event", {"session_id": SESSION, "seen": 4, "now": ANY}, 0)]) is None


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_elsewhere_a_deleted_session_changes_nothing(name):
    assert run(ops.append_current_event, fresh_dialect(name), event(), 4, {}, NOW, script=[
        call("get_session", {"id": SESSION}, None)]) is None
