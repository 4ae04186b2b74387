"""docs/behaviour.md#long-poll: get_events(wait_timeout_ms=...) long polls; iter_events walks the log in pages."""

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import asm
from asm import Event

APPENDER = """
import sys, time, asm
time.sleep(0.3)
with asm.connect(sys.argv[1]) as store:
    store.append_event(asm.Event.new(type="message_sent", session_id=sys.argv[2]))
"""


def event(session_id="s", type="message_sent", **fields):
    return Event.new(type=type, session_id=session_id, **fields)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_a_waiter_is_released_by_an_append_from_another_process(store, raw):
    store.append_event(event())
    subprocess.Popen([sys.executable, "-c", APPENDER, raw.url, "s"])
    found, elapsed = timed(lambda: store.get_events("s", after=1, wait_timeout_ms=10_000))
    assert [e.sequence_number for e in found] == [2]
    assert elapsed < 0.3 + 1.0 + 2.0  # the appender's own start-up is most of it


def test_release_follows_the_append_within_a_second(store, raw, connect):
    writer = connect(raw.url)
    appending_at = []
    # Noted before the append starts: the waiter may be released before the writer's thread
    # runs again after its append.
    later(0.3, lambda: (appending_at.append(time.monotonic()), writer.append_event(event())))
    found, _ = timed(lambda: store.get_events("s", wait_timeout_ms=10_000))
    # Released by the append, far sooner than the 10 s timeout, even on a loaded machine.
    assert len(found) == 1 and time.monotonic() - appending_at[0] < 2.0


def test_only_a_matching_event_releases_a_waiter(store, raw, connect):
    writer = connect(raw.url)
    later(0.1, lambda: (writer.append_event(event("other")), writer.append_event(event(run_id="r2")),
                        writer.append_event(event(type="tool_call_started"))))
    found, elapsed = timed(lambda: store.get_events("s", run_id="r1", type="message_sent", wait_timeout_ms=800))
    assert found == [] and 0.7 < elapsed < 2.0
    later(0.1, lambda: writer.append_event(event(run_id="r1")))
    found = store.get_events("s", run_id="r1", type="message_sent", after=2, wait_timeout_ms=5000)
    assert [e.run_id for e in found] == ["r1"]


def test_without_an_append_the_wait_ends_empty_at_the_timeout(store):
    found, elapsed = timed(lambda: store.get_events("nobody", wait_timeout_ms=400))
    assert found == [] and 0.35 < elapsed < 1.5
    assert store.get_events("nobody", wait_timeout_ms=0) == []


def test_a_waiter_holds_no_pooled_connection(raw, connect):
    store = connect(raw.url, max_size=1)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(store.get_events, "s", wait_timeout_ms=10_000)
        time.sleep(0.2)
        # The store's only connection is free: this append goes through and releases the waiter.
        _, elapsed = timed(lambda: store.append_event(event()))
        assert elapsed < 1.0
        assert len(waiting.result(timeout=5)) == 1


def test_many_waiters_are_released_together(store, raw, connect):
    writer = connect(raw.url)
    with ThreadPoolExecutor(12) as pool:
        waiters = [pool.submit(store.get_events, "s", wait_timeout_ms=10_000) for _ in range(12)]
        time.sleep(0.2)
        writer.append_event(event())
        assert all(len(w.result(timeout=5)) == 1 for w in waiters)


def test_wait_timeout_must_be_a_count(store):
    with pytest.raises(asm.ValidationError):
        store.get_events("s", wait_timeout_ms=-1)


def test_iter_events_reverse_walks_newest_first_in_pages(store):
    store.append_events([event(type="tool_call_started" if i % 3 == 0 else "message_sent") for i in range(25)])
    assert [e.sequence_number for e in store.iter_events("s", batch_size=4, reverse=True)] == list(range(25, 0, -1))
    assert [e.sequence_number for e in store.iter_events("s", batch_size=5, reverse=True)] == list(range(25, 0, -1))
    assert [e.sequence_number for e in store.iter_events("s", batch_size=2, type="tool_call_started", before=22,
                                                         after=4, reverse=True)] == [19, 16, 13, 10, 7]
    assert list(store.iter_events("nobody", reverse=True)) == []


def test_iter_events_walks_every_matching_event_in_pages(store):
    store.append_events([event(type="tool_call_started" if i % 3 == 0 else "message_sent") for i in range(25)])
    assert [e.sequence_number for e in store.iter_events("s", batch_size=4)] == list(range(1, 26))
    assert [e.sequence_number for e in store.iter_events("s", batch_size=2, type="tool_call_started", after=3)] == [
        4, 7, 10, 13, 16, 19, 22, 25]
    assert list(store.iter_events("nobody")) == []
    with pytest.raises(asm.ValidationError):
        list(store.iter_events("s", batch_size=0))
    with pytest.raises(asm.ValidationError):
        list(store.iter_events("s", reverse=1))
    # It reads every matching event: `limit` is not among its parameters, so a type checker
    # flags the call, and Python refuses it as it refuses any unknown keyword.
    with pytest.raises(TypeError, match="limit"):
        list(store.iter_events("s", limit=5))
