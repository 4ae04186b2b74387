"""The long poll (streaming.get_events) and iter_events paging, step by step on a scripted clock."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from asm import Event, ValidationError
from asm.drivers.dialects import Dialect
from asm.core.operation import Listen, Pause, RunOperation
from asm.store import events, streaming
from drive import fresh_dialect, play, run, step

SESSION = "ses_a"
NO_FILTERS = {"run_id": None, "type": None, "since": None, "after": None, "before": None, "limit": None,
              "last": None}


def read(**filters: Any) -> RunOperation:
    """The read the long poll repeats: the read_events operation with these filters."""
    return RunOperation(events.read_events, (SESSION,), {**NO_FILTERS, **filters})


def stored(number: int) -> Event:
    return Event.new(type="message_sent", session_id=SESSION, sequence_number=number)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The readings streaming's time.monotonic() gives, in order (append them before a run);
    each must be read, and no more."""
    readings: list[float] = []
    taken = 0

    def monotonic() -> float:
        nonlocal taken
        assert taken < len(readings), "time.monotonic() was read more often than scripted"
        taken += 1
        return readings[taken - 1]

    monkeypatch.setattr(streaming, "time", SimpleNamespace(monotonic=monotonic))
    yield readings
    assert taken == len(readings), f"time.monotonic() was read {taken} times, not {len(readings)}"


@pytest.fixture
def sqlite() -> Dialect:
    return fresh_dialect("sqlite")


def test_without_a_wait_it_reads_once(sqlite: Dialect, clock: list[float]) -> None:
    found = [stored(4)]
    assert run(streaming.get_events, sqlite, SESSION, after=3, limit=10, script=[
        step(read(after=3, limit=10), found),
    ]) is found


def test_a_wait_of_0_is_no_wait(sqlite: Dialect, clock: list[float]) -> None:
    assert run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=0, script=[step(read(), [])]) == []


def test_what_the_first_read_finds_is_returned_at_once(sqlite: Dialect, clock: list[float]) -> None:
    clock.append(100.0)  # the deadline is taken first
    found = [stored(8)]
    assert run(streaming.get_events, sqlite, SESSION, after=7, wait_timeout_ms=30_000, script=[
        step(Listen(SESSION, 30.0), False),
        step(read(after=7), found),
    ]) is found


def test_without_notifications_it_rereads_with_a_growing_pause(sqlite: Dialect, clock: list[float]) -> None:
    clock.extend([0.0, 0.0, 0.01, 0.03, 0.07])  # a 1 s deadline; each pause as long as asked
    found = [stored(8)]
    assert run(streaming.get_events, sqlite, SESSION, after=7, wait_timeout_ms=1000, script=[
        step(Listen(SESSION, 1.0), False),
        step(read(after=7), []),
        step(Pause(0.01), False),
        step(read(after=7), []),
        step(Pause(0.02), False),
        step(read(after=7), []),
        step(Pause(0.04), False),
        step(read(after=7), []),
        step(Pause(0.08), False),
        step(read(after=7), found),
    ]) is found


def test_the_pause_stops_growing_at_its_longest(sqlite: Dialect, clock: list[float]) -> None:
    clock.extend([0.0, 0.0, 0.01, 0.03, 0.07, 0.15, 0.35, 0.55])
    pauses = [0.01, 0.02, 0.04, 0.08, 0.16, streaming.LONGEST_PAUSE_S, streaming.LONGEST_PAUSE_S]
    found = [stored(1)]
    script = [step(Listen(SESSION, 10.0), False), step(read(), [])]
    for seconds in pauses:
        script += [step(Pause(seconds), False), step(read(), [])]
    script[-1] = step(read(), found)
    assert run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=10_000, script=script) is found


def test_it_ends_at_the_deadline_with_what_the_last_read_found(sqlite: Dialect, clock: list[float]) -> None:
    clock.extend([0.0, 0.0, 0.25, 0.375, 0.4375, 0.5])  # a 500 ms wait; the pauses ran long
    assert run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=500, script=[
        step(Listen(SESSION, 0.5), False),
        step(read(), []),
        step(Pause(0.01), False),
        step(read(), []),
        step(Pause(0.02), False),
        step(read(), []),
        step(Pause(0.04), False),
        step(read(), []),
        step(Pause(0.0625), False),  # only what is left of the wait, not 0.08
        step(read(), []),
    ]) == []


def test_with_notifications_it_sleeps_until_woken_or_the_deadline(each_dialect: Dialect,
                                                                  clock: list[float]) -> None:
    clock.extend([10.0, 10.0, 12.5])  # a 30 s wait; woken after 2.5 s by an append elsewhere
    found = [stored(3)]
    assert run(streaming.get_events, each_dialect, SESSION, after=2, wait_timeout_ms=30_000, script=[
        step(Listen(SESSION, 30.0), True),
        step(read(after=2), []),
        step(Pause(30.0), True),
        # Listened to (the session marked) again before each read after a pause.
        step(Listen(SESSION, 30.0), True),
        step(read(after=2), []),  # the wake-up was for events this read does not match
        step(Pause(27.5), True),
        step(Listen(SESSION, 27.5), True),
        step(read(after=2), found),
    ]) is found


def test_when_notifications_stop_it_falls_back_to_the_backoff(sqlite: Dialect, clock: list[float]) -> None:
    clock.extend([0.0, 0.0, 0.5])
    found = [stored(1)]
    assert run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=1000, script=[
        step(Listen(SESSION, 1.0), True),
        step(read(), []),
        step(Pause(1.0), False),  # the listening connection went down during the pause
        step(read(), []),
        step(Pause(0.01), False),
        step(read(), found),
    ]) is found


def test_when_notifications_come_back_it_listens_again_before_reading(sqlite: Dialect,
                                                                     clock: list[float]) -> None:
    # The listening connection was down at first and is back after the first pause: the
    # session is marked (Listen) before the read, and the next pause waits for a notification.
    clock.extend([0.0, 0.0, 0.01])
    found = [stored(1)]
    assert run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=1000, script=[
        step(Listen(SESSION, 1.0), False),
        step(read(), []),
        step(Pause(0.01), True),
        step(Listen(SESSION, 1.0), True),
        step(read(), []),
        step(Pause(0.99), True),
        step(Listen(SESSION, 0.99), True),
        step(read(), found),
    ]) is found


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100"])
def test_a_bad_wait_fails_before_anything_runs(sqlite: Dialect, clock: list[float], bad: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        run(streaming.get_events, sqlite, SESSION, wait_timeout_ms=bad, script=[])
    assert raised.value.details["field"] == "wait_timeout_ms"


# -- iter_events pages ---------------------------------------------------------------------


def test_pages_continue_after_the_last_number_until_a_short_page() -> None:
    pages = streaming.event_pages(SESSION, 2, {"type": "message_sent"})
    assert play(pages, [
        step({"session_id": SESSION, "after": None, "limit": 2, "type": "message_sent"}, [stored(1), stored(3)]),
        step({"session_id": SESSION, "after": 3, "limit": 2, "type": "message_sent"}, [stored(4), stored(9)]),
        step({"session_id": SESSION, "after": 9, "limit": 2, "type": "message_sent"}, [stored(10)]),
    ]) is None


def test_paging_starts_after_the_given_number_and_ends_on_an_empty_page() -> None:
    assert play(streaming.event_pages(SESSION, 1, {"after": 5}), [
        step({"session_id": SESSION, "after": 5, "limit": 1}, [stored(6)]),
        step({"session_id": SESSION, "after": 6, "limit": 1}, []),
    ]) is None


def test_reverse_pages_end_before_the_first_number_of_the_last_page() -> None:
    pages = streaming.event_pages(SESSION, 2, {"type": "message_sent", "before": 12}, reverse=True)
    assert play(pages, [
        step({"session_id": SESSION, "before": 12, "last": 2, "type": "message_sent"}, [stored(9), stored(10)]),
        step({"session_id": SESSION, "before": 9, "last": 2, "type": "message_sent"}, [stored(3), stored(4)]),
        step({"session_id": SESSION, "before": 3, "last": 2, "type": "message_sent"}, [stored(1)]),
    ]) is None


@pytest.mark.parametrize(("batch_size", "filters", "field"), [
    (0, {}, "batch_size"), (-1, {}, "batch_size"), (2.0, {}, "batch_size"), (True, {}, "batch_size"),
    (10, {"limit": 5}, "limit"), (10, {"wait_timeout_ms": 100}, "limit"), (10, {"last": 5}, "limit"),
])
def test_paging_checks_its_arguments_first(batch_size: Any, filters: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        play(streaming.event_pages(SESSION, batch_size, filters), [])
    assert raised.value.details["field"] == field
