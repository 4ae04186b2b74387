"""A PostgreSQL server restarted while a store is in use (a private server on a free port):
calls in flight fail with StorageConnectionFailed, never a raw driver error; calls while it
is down fail the same way within the store's timeout; once it is back, later calls on the
same store succeed, and no idle pooled connection the restart killed fails a call."""

import time

import pytest

import asm
from asm import Event
from stress_helpers import in_background, lock_counter, occupy, wait_until
from databases import RawDatabase, connect_raw
from own_postgres import OwnPostgres

pytestmark = pytest.mark.stress
POOL = 4
TIMEOUT = 3  # the store's: how long a call waits for a connection while the server is down


@pytest.fixture(scope="module")
def server():
    server = OwnPostgres()
    server.start()
    asm.migrate(server.url)
    yield server
    server.destroy()


def waiting_for_locks(url):
    conn = connect_raw(url)
    try:
        cur = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restarted_server_fails_the_calls_in_flight_and_the_store_carries_on(server, connect, mode):
    raw = RawDatabase("postgres", server.url)
    raw.clean()
    store = connect(server.url, max_size=POOL, timeout=TIMEOUT)
    occupy(store, POOL)
    store.append_event(Event.new(type="message_sent", session_id="r"))
    lock_counter(raw, "r")
    in_flight = [in_background(store.append_event, Event.new(type="message_sent", session_id="r"))
                 for _ in range(2)]
    wait_until(lambda: waiting_for_locks(server.url) == 2, "two appends waiting for the lock")

    server.stop(mode)
    raw.close()
    for call in in_flight:
        with pytest.raises(asm.StorageConnectionFailed) as info:
            call.result(30)
        assert info.value.retryable
    started = time.monotonic()
    with pytest.raises(asm.StorageConnectionFailed):
        store.append_event(Event.new(type="message_sent", session_id="r"))
    assert time.monotonic() - started < TIMEOUT + 5, "a call while the server is down fails within the timeout"

    server.start()
    # psycopg_pool reconnects in the background with a backoff (1 s, 2 s, 4 s ...): a call
    # may time out until its next attempt; none reaches the server meanwhile.
    wait_until(lambda: appended(store, "r"), "the same store working again", timeout=40)
    for _ in range(POOL + 2):
        store.append_event(Event.new(type="message_sent", session_id="r"))
    assert [e.sequence_number for e in store.get_events("r")] == list(range(1, POOL + 5))


def appended(store, session_id):
    try:
        store.append_event(Event.new(type="message_sent", session_id=session_id))
    except asm.StorageConnectionFailed:
        return False
    return True


def test_idle_connections_of_a_restarted_server_fail_no_call(server, connect):
    raw = RawDatabase("postgres", server.url)
    raw.clean()
    raw.close()
    store = connect(server.url, max_size=POOL, timeout=TIMEOUT)
    occupy(store, POOL)
    server.stop("fast")
    server.start()
    for _ in range(POOL + 2):
        store.append_event(Event.new(type="message_sent", session_id="i"))
    assert store.get_latest_sequence("i") == POOL + 2
