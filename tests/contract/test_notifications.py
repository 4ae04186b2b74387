"""PostgreSQL long polls sleep until LISTEN/NOTIFY says their session got events, and fall
back to polling while the listening connection is down (sync and async stores). Appends notify
only sessions a long poll marked, and each session's first append (migration 0008)."""

import logging
import os
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

import asm
import asm.store.streaming
from asm import Event
from asm.notify.waiters import APPLICATION_NAME, MARK_EXTRA_S
from databases import connect_raw
from test_streaming import later, timed

pytestmark = pytest.mark.parametrize("dialect", ["postgres"])

LISTENERS = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()"


@pytest.fixture
def no_polling(monkeypatch):
    """Pauses long enough that only a notification can release a waiter in time."""
    monkeypatch.setattr(asm.store.streaming, "FIRST_PAUSE_S", 60.0)
    monkeypatch.setattr(asm.store.streaming, "LONGEST_PAUSE_S", 60.0)


@pytest.fixture
def heard(raw):
    """`heard()`: the sessions of the append notifications sent since the last call, in order."""
    conn = connect_raw(raw.url)
    conn.execute("LISTEN asm_events")
    yield lambda: [notify.payload for notify in conn.notifies(timeout=0.5)]
    conn.close()


def mark_of(raw, session_id):
    """The session's mark: (seconds it has left, the counter row's version), or None."""
    row = raw.execute("SELECT EXTRACT(EPOCH FROM notify_until - now()), xmin::text FROM asm_session_sequences"
                      " WHERE session_id = ?", session_id)
    return None if not row or row[0][0] is None else (float(row[0][0]), row[0][1])


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


def test_only_the_appends_a_long_poll_waits_for_notify(store, raw, heard):
    # A NOTIFY makes PostgreSQL commit the transaction alone: appends no one waits for send none.
    store.append_event(Event.new(type="message_sent", session_id="s"))  # number 1: it notifies
    store.append_event(Event.new(type="message_sent", session_id="s"))
    assert heard() == ["s"]
    store.get_events("s", after=2, wait_timeout_ms=10)  # a long poll marks its session
    store.append_event(Event.new(type="message_sent", session_id="s"))
    store.append_event(Event.new(type="message_sent", session_id="other"))
    store.append_event(Event.new(type="message_sent", session_id="other"))
    assert heard() == ["s", "other"]


def test_a_mark_lasts_past_the_wait_and_is_written_only_when_it_would_run_out(store, raw, connect):
    store.append_event(Event.new(type="message_sent", session_id="s"))
    assert mark_of(raw, "s") is None
    store.get_events("s", after=1, wait_timeout_ms=10)
    left, version = mark_of(raw, "s")
    assert MARK_EXTRA_S - 5 < left <= MARK_EXTRA_S + 0.01
    store.get_events("s", after=1, wait_timeout_ms=10)
    assert mark_of(raw, "s")[1] == version  # it still lasts: nothing written
    # A wait longer than what is left rewrites it.
    writer = connect(raw.url)
    later(0.3, lambda: writer.append_event(Event.new(type="message_sent", session_id="s")))
    assert len(store.get_events("s", after=1, wait_timeout_ms=120_000)) == 1
    left, _ = mark_of(raw, "s")
    assert 120 + MARK_EXTRA_S - 5 < left <= 120 + MARK_EXTRA_S + 0.01


def test_a_session_made_anew_during_a_wait_still_wakes_it(store, raw, connect, no_polling):
    # Its counter row, and the mark on it, go while a long poll waits; the new counter's first
    # append notifies, and the long poll marks the new row before it reads again.
    store.append_event(Event.new(type="message_sent", session_id="s"))
    writer = connect(raw.url)

    def anew():
        raw.execute("DELETE FROM asm_events WHERE session_id = 's'")
        raw.execute("DELETE FROM asm_session_sequences WHERE session_id = 's'")
        writer.append_event(Event.new(type="message_sent", session_id="s"))  # not what the poll wants
        time.sleep(0.3)
        writer.append_event(Event.new(type="tool_call_started", session_id="s"))

    later(0.3, anew)
    found, elapsed = timed(lambda: store.get_events("s", type="tool_call_started", wait_timeout_ms=20_000))
    assert [e.sequence_number for e in found] == [2] and elapsed < 1.6


def test_a_long_poll_in_a_transaction_polls_and_blocks_no_append(store, raw, connect):
    store.append_event(Event.new(type="message_sent", session_id="s"))
    writer = connect(raw.url)
    later(0.3, lambda: writer.append_event(Event.new(type="message_sent", session_id="s")))
    with store.transaction():
        found, elapsed = timed(lambda: store.get_events("s", after=1, wait_timeout_ms=20_000))
    assert len(found) == 1 and elapsed < 1.3
    assert mark_of(raw, "s") is None


# tests/topologies/test_pooler.py runs this suite through a PgBouncer whose user list has only the
# test server's user, so a role made here cannot log in there.
@pytest.mark.skipif(bool(os.environ.get("ASM_TEST_THROUGH_PGBOUNCER_PORT")),
                    reason="the PgBouncer in front knows only the test user")
def test_a_role_that_cannot_mark_its_session_polls(store, raw, connect, caplog):
    role = f"asm_reader_{uuid.uuid4().hex[:8]}"
    schema = raw.scalar("SELECT current_schema()")
    raw.execute(f"CREATE ROLE {role} LOGIN")
    try:
        raw.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        parts = urlsplit(raw.url)
        reader = connect(urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}")))
        store.append_event(Event.new(type="message_sent", session_id="s"))
        caplog.set_level(logging.WARNING, logger="asm")
        for _ in range(2):
            later(0.3, lambda: store.append_event(Event.new(type="message_sent", session_id="s")))
            count = len(reader.get_events("s"))
            found, elapsed = timed(lambda: reader.get_events("s", after=count, wait_timeout_ms=20_000))
            assert len(found) == 1 and elapsed < 1.3
        said = [r.getMessage() for r in caplog.records if "could not mark" in r.getMessage()]
        assert len(said) == 1 and "permission" in said[0]
    finally:
        raw.execute(f"DROP OWNED BY {role}")
        raw.execute(f"DROP ROLE {role}")


def test_before_migration_0008_long_polls_poll_and_say_so_once(fresh_url, connect, caplog):
    # This asm on a database without 0008 (deployed before the migration): marks fail, long
    # polls re-read with the backoff, and the store logs it once.
    asm.migrate(fresh_url)
    assert asm.rollback(fresh_url) == ["0008.watched-notifications"]
    store, writer = connect(fresh_url), connect(fresh_url)
    caplog.set_level(logging.WARNING, logger="asm")
    for number in (1, 2):
        later(0.3, lambda: writer.append_event(Event.new(type="tool_call_started", session_id="s")))
        found, elapsed = timed(lambda: store.get_events("s", type="tool_call_started", after=number - 1,
                                                        wait_timeout_ms=20_000))
        assert [e.sequence_number for e in found] == [number] and elapsed < 1.3
    said = [r.getMessage() for r in caplog.records if "could not mark" in r.getMessage()]
    assert len(said) == 1 and "notify_until" in said[0]
