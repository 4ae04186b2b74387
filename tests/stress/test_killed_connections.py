"""MariaDB/MySQL connections killed from the server side (`KILL <id>` from an admin
connection): at most the call in flight fails, with StorageConnectionFailed, and later calls
on the same store succeed. Before liveness.py, each idle pooled connection the server had
killed failed one call.

Quick (about a second per API), so it stays in the default run.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

import asm
from asm import Event
from stress_helpers import in_background, lock_counter, occupy, wait_until
from databases import admin_connection, execute, parse_url


@pytest.fixture
def dialect():
    return "mysql"


def store_connections(raw, *, busy=None):
    """Server ids of the connections to the test database other than raw's own."""
    name = parse_url(raw.url).database
    own = raw.scalar("SELECT CONNECTION_ID()")
    with admin_connection("mysql") as admin:
        rows = execute("mysql", admin, "SELECT id, command, state FROM information_schema.processlist WHERE db = ?", (name,))
    return [id for id, command, state in rows
            if id != own and (busy is None or (command == "Query") == busy)]


def kill(ids):
    with admin_connection("mysql") as admin:
        for id in ids:
            execute("mysql", admin, f"KILL {int(id)}")


def test_idle_connections_killed_by_the_server_fail_no_call(raw, connect):
    store = connect(raw.url, max_size=3)
    occupy(store, 3)
    idle = store_connections(raw)
    assert len(idle) == 3
    kill(idle)
    wait_until(lambda: not store_connections(raw), "the killed connections to go")
    # Every later call succeeds on the same store, one after the other and all at once.
    for _ in range(4):
        store.append_event(Event.new(type="message_sent", session_id="k"))
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: store.append_event(Event.new(type="message_sent", session_id="k")), range(6)))
    assert [e.sequence_number for e in store.get_events("k")] == list(range(1, 11))


def test_a_connection_killed_mid_call_fails_that_call_only(raw, connect):
    store = connect(raw.url, max_size=3)
    occupy(store, 3)
    store.append_event(Event.new(type="message_sent", session_id="k"))
    lock_counter(raw, "k")
    in_flight = in_background(store.append_event, Event.new(type="message_sent", session_id="k"))
    busy = wait_until(lambda: store_connections(raw, busy=True), "the append to wait for the lock")
    kill(busy)
    with pytest.raises(asm.StorageConnectionFailed) as info:
        in_flight.result(30)
    assert info.value.retryable
    raw.execute("ROLLBACK")
    # The store's other connections die too (as when the server restarts): no later call fails.
    kill(store_connections(raw))
    for _ in range(3):
        store.append_event(Event.new(type="message_sent", session_id="k"))
    assert [e.sequence_number for e in store.get_events("k")] == [1, 2, 3, 4]
