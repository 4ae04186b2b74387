"""Session and run operations: what each sends per dialect, and what it makes of the answer."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from asm import InvalidStatus, Run, RunNotFound, Session, SessionNotFound, ValidationError
from asm.drivers.dialects import Dialect
from asm.store.runs import get_active_run, get_run, list_runs, save_run
from asm.store.sessions import delete_session, get_session, list_sessions, restore_session, save_session
from drive import call, fresh_dialect, run

CREATED = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
# How each dialect sends CREATED, and {"n": 1e20, "s": "é"} (jsonb would print 1e20 as an int,
# so PostgreSQL gets it positional; nothing is ASCII-escaped; msgspec writes exponents as 1e20).
WIRE_TIME = {"postgres": CREATED, "sqlite": "2025-01-02T03:04:05.000006Z", "mysql": "2025-01-02 03:04:05.000006"}
WIRE_JSON = {"postgres": '{"n":100000000000000000000.0,"s":"é"}', "sqlite": '{"n":1e20,"s":"é"}',
             "mysql": '{"n":1e20,"s":"é"}'}
NO_LIMIT = {"postgres": None, "sqlite": -1, "mysql": 2**64 - 1}


def a_session() -> Session:
    return Session.new(agent_id="agent", id="ses_1", status="active", metadata={"n": 1e20, "s": "é"},
                       tags=["vip"], created_at=CREATED)


def session_row(name: str) -> dict[str, Any]:
    """The row a dialect's driver returns for a_session()."""
    return {"id": "ses_1", "agent_id": "agent", "status": "active", "parent_session_id": None,
            "metadata": WIRE_JSON[name], "context": "{}", "tags": '["vip"]', "created_at": WIRE_TIME[name],
            "updated_at": WIRE_TIME[name], "deleted_at": None}


@pytest.mark.parametrize("name", WIRE_TIME)
def test_save_session_sends_the_record_encoded_for_the_dialect(name: str) -> None:
    assert run(save_session, fresh_dialect(name), a_session(), script=[
        call("upsert_session", session_row(name), result=1),
    ]) is None


def test_save_session_takes_only_a_session(each_dialect: Dialect) -> None:
    with pytest.raises(ValidationError):
        run(save_session, each_dialect, {"id": "ses_1"}, script=[])


@pytest.mark.parametrize("name", WIRE_TIME)
def test_get_session_decodes_the_row(name: str) -> None:
    got = run(get_session, fresh_dialect(name), "ses_1", script=[
        call("get_session", {"id": "ses_1"}, result=session_row(name)),
    ])
    assert got == a_session()


def test_a_missing_session_is_session_not_found(each_dialect: Dialect) -> None:
    with pytest.raises(SessionNotFound) as raised:
        run(get_session, each_dialect, "ses_gone", script=[call("get_session", {"id": "ses_gone"}, result=None)])
    assert raised.value.details == {"id": "ses_gone"}


@pytest.mark.parametrize("bad", ["", "x" * 256, None, 7, "a\x00b"])
def test_a_bad_id_fails_before_any_query(each_dialect: Dialect, bad: Any) -> None:
    for op in (get_session, restore_session, delete_session, get_run):
        with pytest.raises(ValidationError):
            run(op, each_dialect, bad, script=[])


@pytest.mark.parametrize("name", NO_LIMIT)
def test_list_sessions_without_a_limit_sends_the_dialects_no_limit(name: str) -> None:
    got = run(list_sessions, fresh_dialect(name), script=[
        call("list_sessions", {"status": None, "agent_id": None, "limit": NO_LIMIT[name], "offset": 0},
             result=[session_row(name)]),
    ])
    assert got == [a_session()]


def test_list_sessions_sends_its_filters(each_dialect: Dialect) -> None:
    assert run(list_sessions, each_dialect, status="completed", agent_id="agent", limit=5, offset=10, script=[
        call("list_sessions", {"status": "completed", "agent_id": "agent", "limit": 5, "offset": 10}, result=[]),
    ]) == []


def test_list_sessions_with_limit_0_is_empty_without_a_query(each_dialect: Dialect) -> None:
    assert run(list_sessions, each_dialect, limit=0, script=[]) == []


@pytest.mark.parametrize(("arguments", "error"), [
    ({"limit": -1}, ValidationError), ({"limit": 1.5}, ValidationError), ({"limit": True}, ValidationError),
    ({"offset": -1}, ValidationError), ({"status": "finished"}, InvalidStatus), ({"agent_id": ""}, ValidationError),
])
def test_list_sessions_checks_its_arguments_first(each_dialect: Dialect, arguments: dict[str, Any],
                                                   error: type[Exception]) -> None:
    with pytest.raises(error):
        run(list_sessions, each_dialect, script=[], **arguments)


def test_restoring_a_soft_deleted_session_is_one_update(each_dialect: Dialect) -> None:
    assert run(restore_session, each_dialect, "ses_1", script=[
        call("restore_session", {"id": "ses_1"}, result=1),
    ]) is None


def test_restoring_a_session_that_is_not_deleted_checks_it_exists(each_dialect: Dialect) -> None:
    assert run(restore_session, each_dialect, "ses_1", script=[
        call("restore_session", {"id": "ses_1"}, result=0),
        call("get_session", {"id": "ses_1"}, result=session_row(each_dialect.name)),
    ]) is None


def test_restoring_a_missing_session_is_session_not_found(each_dialect: Dialect) -> None:
    with pytest.raises(SessionNotFound):
        run(restore_session, each_dialect, "ses_gone", script=[
            call("restore_session", {"id": "ses_gone"}, result=0),
            call("get_session", {"id": "ses_gone"}, result=None),
        ])


def test_delete_session_removes_what_it_owns_then_the_row(each_dialect: Dialect) -> None:
    owned = {"session_id": "ses_1"}
    assert run(delete_session, each_dialect, "ses_1", script=[
        call("delete_session_events", owned, result=3),
        call("delete_session_runs", owned, result=1),
        call("delete_session_artifacts", owned, result=0),
        call("delete_session_sequence", owned, result=1),
        call("delete_session_row", {"id": "ses_1"}, result=1),
    ]) is None


def test_deleting_a_missing_session_is_not_an_error(each_dialect: Dialect) -> None:
    owned = {"session_id": "ses_gone"}
    run(delete_session, each_dialect, "ses_gone", script=[
        call("delete_session_events", owned, result=0),
        call("delete_session_runs", owned, result=0),
        call("delete_session_artifacts", owned, result=0),
        call("delete_session_sequence", owned, result=0),
        call("delete_session_row", {"id": "ses_gone"}, result=0),
    ])


# -- runs ----------------------------------------------------------------------------------


def a_run() -> Run:
    return Run.new(session_id="ses_1", id="run_1", status="running", input={"q": "hi"},
                   token_usage={"total_tokens": 12}, started_at=CREATED, provider="openai")


def run_row(name: str) -> dict[str, Any]:
    return {"id": "run_1", "session_id": "ses_1", "status": "running", "input": '{"q":"hi"}', "output": None,
            "error": None, "metadata": "{}", "turn_count": 0, "token_usage": '{"total_tokens":12}',
            "started_at": WIRE_TIME[name], "ended_at": None, "provider": "openai", "provider_metadata": "{}"}


@pytest.mark.parametrize("name", WIRE_TIME)
def test_save_run_sends_the_record_encoded_for_the_dialect(name: str) -> None:
    run(save_run, fresh_dialect(name), a_run(), script=[call("upsert_run", run_row(name), result=1)])


@pytest.mark.parametrize("name", WIRE_TIME)
def test_get_run_decodes_the_row(name: str) -> None:
    assert run(get_run, fresh_dialect(name), "run_1", script=[
        call("get_run", {"id": "run_1"}, result=run_row(name)),
    ]) == a_run()


def test_a_missing_run_is_run_not_found(each_dialect: Dialect) -> None:
    with pytest.raises(RunNotFound) as raised:
        run(get_run, each_dialect, "run_gone", script=[call("get_run", {"id": "run_gone"}, result=None)])
    assert raised.value.details == {"id": "run_gone"}


@pytest.mark.parametrize("name", NO_LIMIT)
def test_list_runs_without_a_limit_sends_the_dialects_no_limit(name: str) -> None:
    assert run(list_runs, fresh_dialect(name), "ses_1", status="running", script=[
        call("list_runs", {"session_id": "ses_1", "status": "running", "limit": NO_LIMIT[name]},
             result=[run_row(name)]),
    ]) == [a_run()]


def test_list_runs_with_limit_0_is_empty_without_a_query(each_dialect: Dialect) -> None:
    assert run(list_runs, each_dialect, "ses_1", limit=0, script=[]) == []


def test_no_active_run_is_none(each_dialect: Dialect) -> None:
    assert run(get_active_run, each_dialect, "ses_1", script=[
        call("get_active_run", {"session_id": "ses_1"}, result=None),
    ]) is None
