"""PostgreSQL long polls sleep until LISTEN/NOTIFY says their session got events, and fall
back to polling while the listening connection is down (sync and async stores)."""

import time

import pytest

import asm.store.streaming
from asm import Event
from asm.notify.waiters import APPLICATION_NAME
from test_streaming import later, timed

pytestmark = pytest.mark.parametrize("dialect", ["postgres"])

LISTENERS = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()"


@pytest.fixture
def no_polling(monkeypatch):
    """Pauses long enough that only a notification can release a waiter in time."""
    monkeypatch.setattr(asm.store.streaming, "FIRST_PAUSE_S", 60.0)
    monkeypatch.setattr(asm.store.streaming, "LONGEST_PAUSE_S", 60.0)


def listeners(raw):
    return raw.scalar(LISTENERS, APPLICATION_NAME)


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_waiter_is_woken_by_the_notification_not_by_polling(store, raw, connect, no_polling):
    writer = connect(raw.url)
    later(0.3, lambda: writer.append_event(Event.new(type="message_sent", session_id="s")))
    found, elapsed = timed(lambda: store.get_events("s", wait_timeout_ms=20_000))
    assert len(found) == 1 and elapsed < 1.3


def test_any_writer_notifies_not_only_asm(store, raw, no_polling):
    # The trigger of migration 0004 fires on every insert, here a hand-written one.
    insert = ("INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) VALUES ('s', 1, now());"
              " INSERT INTO asm_events (id, type, timestamp, session_id, sequence_number, data, metadata,"
              " schema_version) VALUES ('e1', 'message_sent', now(), 's', 1, '{}', '{}', 1)")
    later(0.3, lambda: raw.execute(insert))
    found, elapsed = timed(lambda: store.get_events("s", wait_timeout_ms=20_000))
    assert [e.id for e in found] == ["e1"] and elapsed < 1.3


def test_one_listening_connection_per_store_opened_by_the_first_long_poll(store, raw):
    assert listeners(raw) == 0
    for _ in range(3):
        store.get_events("s", wait_timeout_ms=10)
    assert listeners(raw) == 1


def test_a_lost_listening_connection_falls_back_to_polling_then_comes_back(store, raw, connect, monkeypatch):
    writer = connect(raw.url)
    store.get_events("s", wait_timeout_ms=10)
    raw.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = ? AND datname = current_database()", APPLICATION_NAME)
    # While it is down (or coming back), waiters poll and are still released in time.
    later(0.2, lambda: writer.append_event(Event.new(type="message_sent", session_id="s")))
    found, elapsed = timed(lambda: store.get_events("s", wait_timeout_ms=20_000))
    assert len(found) == 1 and elapsed < 1.3
    # It reconnects by itself, and notifications work again.
    wait_until(lambda: listeners(raw) == 1)
    monkeypatch.setattr(asm.store.streaming, "FIRST_PAUSE_S", 60.0)
    monkeypatch.setattr(asm.store.streaming, "LONGEST_PAUSE_S", 60.0)
    later(0.3, lambda: writer.append_event(Event.new(type="message_sent", session_id="s")))
    found, elapsed = timed(lambda: store.get_events("s", after=1, wait_timeout_ms=20_000))
    assert len(found) == 1 and elapsed < 1.3


def test_closing_the_store_closes_its_listening_connection(raw, connect):
    store = connect(raw.url)
    store.get_events("s", wait_timeout_ms=10)
    assert listeners(raw) == 1
    _, elapsed = timed(store.close)
    assert elapsed < 1.0
    wait_until(lambda: listeners(raw) == 0, seconds=3)
