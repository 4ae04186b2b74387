"""The script driver itself: a test passes only when the steps are exactly the scripted ones."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from asm import SessionNotFound, StorageReadFailed
from asm.core.operation import Call
from asm.store.sessions import get_session
from drive import ANY, Like, call, fresh_dialect, play, run, step, throw

SQLITE = fresh_dialect("sqlite")


def two_reads() -> Generator[Call, Any, Any]:
    first = yield Call("get_session", {"id": "a"})
    second = yield Call("get_session", {"id": "b"})
    return first, second


def test_results_are_sent_back_in_order() -> None:
    assert play(two_reads(), [call("get_session", {"id": "a"}, 1), call("get_session", {"id": "b"}, 2)]) == (1, 2)


@pytest.mark.parametrize("script", [
    [call("get_session", {"id": "a"}), call("get_session", {"id": "c"})],  # other params
    [call("get_session", {"id": "a"}), call("get_run", {"id": "b"})],  # another query
    [call("get_session", {"id": "a"})],  # one step short
    [call("get_session", {"id": "a"}), call("get_session", {"id": "b"}), call("get_session", {"id": "c"})],
])
def test_any_difference_from_the_script_fails(script: list[Any]) -> None:
    with pytest.raises(AssertionError):
        play(two_reads(), script)


def test_an_error_thrown_in_passes_through_once_the_script_is_done() -> None:
    error = StorageReadFailed("gone")
    with pytest.raises(StorageReadFailed):
        play(two_reads(), [call("get_session", {"id": "a"}), throw(Call("get_session", {"id": "b"}), error)])


def test_an_error_raised_before_the_script_is_done_fails() -> None:
    with pytest.raises(AssertionError, match="still expected"):
        run(get_session, SQLITE, "a", script=[call("get_session", {"id": "a"}, None), call("get_run", {"id": "a"})])
    with pytest.raises(SessionNotFound):  # the same, scripted to its end
        run(get_session, SQLITE, "a", script=[call("get_session", {"id": "a"}, None)])


def test_any_and_like_stand_for_values_a_test_cannot_know() -> None:
    def steps() -> Generator[Any, Any, None]:
        yield Call("q", {"now": object(), "id": "x"})
        yield "SAVEPOINT asm_sp_42"

    play(steps(), [call("q", {"now": ANY, "id": "x"}), step(Like(r"SAVEPOINT asm_sp_\d+"))])


@pytest.mark.parametrize(("script", "problem"), [
    ([call("no_such_query", {"id": "a"}, None)], "has no query"),
    ([call("get_session", {}, None)], "needs"),  # the query's :id not sent
    ([call("get_session", {"id": "a"}, [])], "one dict row or None"),  # a list for a `^` query
])
def test_with_a_dialect_each_call_is_checked_against_its_sql(script: list[Any], problem: str) -> None:
    def steps() -> Generator[Call, Any, None]:
        yield script[0].expected

    with pytest.raises(AssertionError, match=problem):
        play(steps(), script, dialect=SQLITE)
