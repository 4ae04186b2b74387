"""Transaction handling (asm/core/transactions.py): what wraps an operation's queries, what a failure at any step
sends, and how often a lost race runs an operation again."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator
from typing import Any

import pytest

from asm import Event, StorageConnectionFailed, StorageReadFailed, StorageWriteFailed
from asm.core import transactions
from asm.core.steps import drive
from asm.drivers import kinds
from asm.drivers.dialects import Dialect
from asm.core.operation import spec_of
from asm.errors import AsmError
from asm.store.events import append_event, append_events, get_latest_sequence
from asm.store.sessions import delete_session
from drive import ANY, Like, Step, call, fresh_dialect, play, step, throw

BEGIN = {"postgres": "BEGIN", "sqlite": "BEGIN IMMEDIATE", "mysql": "BEGIN"}
OWNED = {"session_id": "ses_1"}
DELETES = [call("delete_session_events", OWNED, 2), call("delete_session_runs", OWNED, 1),
           call("delete_session_artifacts", OWNED, 0), call("delete_session_sequence", OWNED, 1),
           call("delete_session_row", {"id": "ses_1"}, 1)]


def attempt(dialect: Dialect, fn: Callable[..., Any], *args: Any, in_transaction: bool = False) -> transactions.Plan:
    """One attempt's plan, as an executor makes it: the arguments are checked (the first query
    taken) before the attempt starts."""
    steps = fn(dialect, *args)
    return transactions.attempt(dialect, spec_of(fn), steps, next(steps), in_transaction=in_transaction)


def lost_race(kind: str = kinds.CONFLICT) -> StorageWriteFailed:
    return StorageWriteFailed("insert_events failed: duplicate key", details={"kind": kind}, retryable=True)


def an_event(id: str = "evt_1") -> Event:
    return Event.new(type="message_sent", session_id="ses_1", id=id)


@pytest.mark.parametrize("name", BEGIN)
def test_an_atomic_write_runs_between_begin_and_commit(name: str) -> None:
    play(attempt(fresh_dialect(name), delete_session, "ses_1"), [
        step(transactions.Statement(BEGIN[name])), *DELETES, step(transactions.COMMIT),
    ])


@pytest.mark.parametrize("in_transaction", [False, True])
def test_a_read_runs_alone(each_dialect: Dialect, in_transaction: bool) -> None:
    assert play(attempt(each_dialect, get_latest_sequence, "ses_1", in_transaction=in_transaction), [
        call("get_latest_sequence", {"session_id": "ses_1"}, 4),
    ]) == 4


def test_inside_a_callers_transaction_an_atomic_operation_just_joins_it(each_dialect: Dialect) -> None:
    play(attempt(each_dialect, delete_session, "ses_1", in_transaction=True), DELETES)


@pytest.mark.parametrize("failing", range(len(DELETES)))
def test_a_failure_at_any_step_rolls_back_and_reaches_the_caller(each_dialect: Dialect, failing: int) -> None:
    error = StorageWriteFailed("delete failed")
    script = [step(transactions.Statement(BEGIN[each_dialect.name])), *DELETES[:failing],
              throw(DELETES[failing].expected, error), step(transactions.ROLLBACK)]
    with pytest.raises(StorageWriteFailed) as raised:
        play(attempt(each_dialect, delete_session, "ses_1"), script)
    assert raised.value is error


def test_a_failed_rollback_still_reports_the_first_error(each_dialect: Dialect) -> None:
    error = StorageWriteFailed("delete failed")
    with pytest.raises(StorageWriteFailed) as raised:
        play(attempt(each_dialect, delete_session, "ses_1"), [
            step(transactions.Statement(BEGIN[each_dialect.name])), DELETES[0],
            throw(DELETES[1].expected, error),
            throw(transactions.ROLLBACK, StorageConnectionFailed("the connection is gone")),
        ])
    assert raised.value is error


def test_a_failed_commit_reaches_the_caller(each_dialect: Dialect) -> None:
    # Nothing more is sent: the pool rolls back a connection it takes back.
    error = StorageWriteFailed("commit failed")
    with pytest.raises(StorageWriteFailed) as raised:
        play(attempt(each_dialect, delete_session, "ses_1"), [
            step(transactions.Statement(BEGIN[each_dialect.name])), *DELETES, throw(transactions.COMMIT, error),
        ])
    assert raised.value is error


def test_an_abandoned_attempt_sends_nothing_more() -> None:
    # Cancelled or interrupted mid-way: the pool ends the transaction; the plan yields no ROLLBACK.
    steps = attempt(fresh_dialect("sqlite"), delete_session, "ses_1")
    assert next(steps) == transactions.Statement("BEGIN IMMEDIATE")
    assert steps.send(None) == DELETES[0].expected
    steps.close()


def test_postgres_appends_one_event_with_no_transaction_of_its_own() -> None:
    pg = fresh_dialect("postgres")
    play(attempt(pg, append_event, an_event()), [
        call("append_event", ANY, {"sequence_number": 1}),
    ])


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_other_dialects_append_one_event_in_a_transaction(name: str) -> None:
    dialect = fresh_dialect(name)
    play(attempt(dialect, append_event, an_event()), [
        step(transactions.Statement(BEGIN[name])),
        call("advance_sequence", {"id": "evt_1", "session_id": "ses_1", "count": 1, "now": ANY}, 1),
        call("append_event", ANY, 1),
        step(transactions.COMMIT),
    ])


def savepoint_script(body: list[Step], fails: BaseException | None = None) -> list[Step]:
    """A retried operation inside the caller's transaction: its own savepoint around `body`;
    with `fails`, the body's last step fails and the savepoint is rolled back and released."""
    mark, release = sql(r"SAVEPOINT asm_sp_\d+"), sql(r"RELEASE SAVEPOINT asm_sp_\d+")
    if fails is None:
        return [mark, *body, release]
    return [mark, *body[:-1], throw(body[-1].expected, fails), sql(r"ROLLBACK TO SAVEPOINT asm_sp_\d+"), release]


def sql(pattern: str) -> Step:
    return step(transactions.Statement(Like(pattern)))  # type: ignore[arg-type]  # Like matches the str


def statements(transcript: list[Any]) -> list[str]:
    return [s.sql for s in transcript if isinstance(s, transactions.Statement)]


def test_a_retried_operation_inside_a_transaction_undoes_only_its_own_work() -> None:
    lite = fresh_dialect("sqlite")
    lite.max_packet_bytes = 1 << 20
    body = [call("get_events_by_ids", ANY, []), call("advance_sequence", ANY, 2), call("insert_events", ANY, 2)]
    transcript: list[Any] = []
    play(attempt(lite, append_events, [an_event("e1"), an_event("e2")], in_transaction=True),
         savepoint_script(body), transcript=transcript)
    mark, release = statements(transcript)
    assert release == "RELEASE " + mark

    transcript.clear()
    error = lost_race()
    with pytest.raises(StorageWriteFailed) as raised:
        play(attempt(lite, append_events, [an_event("e1"), an_event("e2")], in_transaction=True),
             savepoint_script(body, fails=error), transcript=transcript)
    assert raised.value is error
    mark, undo, release = statements(transcript)
    assert (undo, release) == ("ROLLBACK TO " + mark, "RELEASE " + mark)


def test_each_attempt_takes_a_savepoint_of_its_own() -> None:
    pg = fresh_dialect("postgres")
    names = []
    for _ in range(2):
        transcript: list[Any] = []
        play(attempt(pg, append_event, an_event(), in_transaction=True), savepoint_script([
            call("append_event", ANY, {"sequence_number": 1})]), transcript=transcript)
        names.append(statements(transcript)[0])
    assert names[0] != names[1]


# -- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "retried"), [
    (kinds.CONFLICT, True), (kinds.TRANSIENT, True), (kinds.CONNECTION, False),
    (kinds.TIMEOUT, False), (kinds.OTHER, False), (None, False),
])
def test_only_a_lost_race_runs_a_retry_marked_operation_again(kind: str | None, retried: bool) -> None:
    error = StorageWriteFailed("failed", details={} if kind is None else {"kind": kind})
    assert transactions.give_up(spec_of(append_events), 1, error, "append_events") is not retried


def test_an_operation_not_marked_retry_is_never_run_again() -> None:
    assert transactions.give_up(spec_of(delete_session), 1, lost_race(), "delete_session")


def test_a_lost_race_is_retried_up_to_max_attempts() -> None:
    spec = spec_of(append_events)
    assert [transactions.give_up(spec, n, lost_race(), "append_events") for n in range(1, transactions.MAX_ATTEMPTS + 1)] == \
        [False] * (transactions.MAX_ATTEMPTS - 1) + [True]


def run_with_retries(dialect: Dialect, fn: Callable[..., Any], args: tuple[Any, ...],
                     attempt_script: Callable[[int], list[Step]]) -> tuple[Any, int]:
    """An executor's loop over transactions.attempt and transactions.give_up, each attempt played against
    `attempt_script(number)`: (the result, attempts made)."""
    for number in itertools.count(1):
        try:
            return play(attempt(dialect, fn, *args), attempt_script(number), dialect=dialect), number
        except AsmError as error:
            if transactions.give_up(spec_of(fn), number, error, fn.__name__):
                raise
    raise AssertionError("unreachable")


def racing_append(lose_until: int) -> Callable[[int], list[Step]]:
    """SQLite's append of one new event, losing the insert's race in attempts before `lose_until`."""
    def script(number: int) -> list[Step]:
        insert = call("append_event", ANY, 1)
        steps = [step(transactions.Statement("BEGIN IMMEDIATE")), call("advance_sequence", ANY, number)]
        if number < lose_until:
            return [*steps, throw(insert.expected, lost_race(kinds.TRANSIENT)), step(transactions.ROLLBACK)]
        return [*steps, insert, step(transactions.COMMIT)]
    return script


def test_an_append_that_lost_races_succeeds_on_a_later_attempt() -> None:
    stored, attempts = run_with_retries(fresh_dialect("sqlite"), append_event, (an_event(),), racing_append(3))
    assert (stored, attempts) == (None, 3)


def test_after_max_attempts_the_lost_race_reaches_the_caller() -> None:
    with pytest.raises(StorageWriteFailed) as raised:
        run_with_retries(fresh_dialect("sqlite"), append_event, (an_event(),), racing_append(transactions.MAX_ATTEMPTS + 5))
    assert raised.value.details["kind"] == kinds.TRANSIENT


def test_drive_throws_a_caught_error_back_in_and_lets_others_through() -> None:
    def steps() -> Generator[str, Any, list[str]]:
        seen = []
        for name in ("a", "b"):
            try:
                seen.append((yield name))
            except AsmError as exc:
                seen.append(f"error {exc}")
        return seen

    def perform(name: str) -> str:
        if name == "a":
            raise StorageReadFailed("no a")
        return name.upper()

    assert drive(steps(), perform, catch=AsmError) == ["error no a", "B"]
    with pytest.raises(KeyError):
        drive(steps(), lambda name: {}[name], catch=AsmError)
