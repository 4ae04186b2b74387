"""Appends on MySQL/MariaDB in no more round trips than the floor (bench/floor/mysql.py), sync
and async, counted by the server: the status counters of the connection (Questions: the
statements a client sent; Com_*: by kind).

A single append is BEGIN, advance_sequence (the reservation, skipped when the id is stored,
its number reported by LAST_INSERT_ID: no SELECT), the INSERT and COMMIT: the floor's four.
A batch adds one lookup of its ids (stored ones are returned as stored, the floor relies on
the primary key and reads them after a failed INSERT instead); no number is read back.
"""

from __future__ import annotations

import pytest

from asm import Event
from async_facade import AsyncStoreAsSync
from bench.floor import open_floor
from bench.floor.columns import EVENT_COLUMNS

COUNTERS = ("Questions", "Com_begin", "Com_commit", "Com_insert", "Com_insert_select", "Com_select")
STATUS = "SHOW SESSION STATUS WHERE Variable_name IN ({})".format(", ".join(f"'{name}'" for name in COUNTERS))


@pytest.fixture
def one_connection_store(dialect, raw, connect):
    if dialect != "mysql":
        pytest.skip("MySQL/MariaDB's round trips (PostgreSQL appends in one statement, SQLite runs in-process)")
    return connect(raw.url, max_size=1)


def status(store) -> dict[str, int]:
    """The counters of the store's one pooled connection."""
    if isinstance(store, AsyncStoreAsSync):
        async def read():
            async with store._store._executor._pool.connection() as conn, conn.cursor() as cur:
                await cur.execute(STATUS)
                return await cur.fetchall()

        rows = store._submit(read)
    else:
        with store._executor._pool.connection() as conn, conn.cursor() as cur:
            cur.execute(STATUS)
            rows = cur.fetchall()
    return {row["Variable_name"]: int(row["Value"]) for row in rows}


def counted(store, work) -> dict[str, int]:
    """What `work()` sent on the store's connection, by counter (reading them counted out)."""
    first, second = status(store), status(store)
    reading = {name: second[name] - first[name] for name in COUNTERS}
    work()
    after = status(store)
    return {name: after[name] - second[name] - reading[name] for name in COUNTERS}


def floor_counted(url: str, work) -> dict[str, int]:
    floor = open_floor("mysql", url)
    try:
        def read() -> dict[str, int]:
            floor.cur.execute(STATUS)
            return {name: int(value) for name, value in floor.cur.fetchall()}

        first, second = read(), read()
        work(floor)
        after = read()
        return {name: after[name] - 2 * second[name] + first[name] for name in COUNTERS}
    finally:
        floor.close()


def floor_event(session_id: str) -> dict:
    event = Event.new(type="message_sent", session_id=session_id, data={"text": "hi"})
    names = [name.strip() for name in EVENT_COLUMNS.split(",")]
    values = {"id": event.id, "type": event.type.value, "timestamp": event.timestamp, "session_id": session_id,
              "run_id": None, "data": event.data, "metadata": event.metadata, "schema_version": 1,
              "provider": None, "correlation_id": None}
    return {name: values.get(name) for name in names}


def test_a_single_append_takes_the_floors_round_trips(one_connection_store, raw):
    store = one_connection_store
    store.append_event(Event.new(type="message_sent", session_id="s1"))  # the pool's connection, warm
    got = counted(store, lambda: store.append_event_with_sequence(Event.new(type="message_sent", session_id="s1")))
    floor = floor_counted(raw.url, lambda f: f.append_one(floor_event("s9")))
    assert got == {"Questions": 4, "Com_begin": 1, "Com_commit": 1, "Com_insert": 1, "Com_insert_select": 1,
                   "Com_select": 0}
    assert got["Questions"] <= floor["Questions"] == 4
    assert store.get_latest_sequence("s1") == 2


def test_a_first_append_to_a_session_takes_no_more(one_connection_store):
    store = one_connection_store
    store.append_event(Event.new(type="message_sent", session_id="s1"))
    got = counted(store, lambda: store.append_event(Event.new(type="message_sent", session_id="new")))
    assert got["Questions"] == 4
    assert store.get_latest_sequence("new") == 1


def test_a_stored_id_reserves_nothing_and_reads_the_stored_event(one_connection_store):
    store = one_connection_store
    stored = store.append_event_with_sequence(Event.new(type="message_sent", session_id="s1", data={"v": 1}))
    again = Event.new(type="message_sent", session_id="s2", id=stored.id, data={"v": 2})
    got = counted(store, lambda: store.append_event_with_sequence(again))
    # BEGIN, advance_sequence (no row: the id is stored), get_event_by_id, COMMIT.
    assert got == {"Questions": 4, "Com_begin": 1, "Com_commit": 1, "Com_insert": 0, "Com_insert_select": 1,
                   "Com_select": 1}
    assert store.append_event_with_sequence(again) == stored
    assert (store.get_latest_sequence("s1"), store.get_latest_sequence("s2")) == (1, 0)


def test_a_batch_reads_no_number_back(one_connection_store, raw):
    store = one_connection_store
    store.append_events([Event.new(type="message_sent", session_id="s1") for _ in range(2)])  # packet size read
    batch = [Event.new(type="message_sent", session_id="s1", data={"i": i}) for i in range(100)]
    got = counted(store, lambda: store.append_events(batch))
    floor = floor_counted(raw.url, lambda f: f.append_batch([floor_event("s9") for _ in range(100)]))
    # BEGIN, get_events_by_ids, advance_sequence, one multi-row INSERT, COMMIT.
    assert got == {"Questions": 5, "Com_begin": 1, "Com_commit": 1, "Com_insert": 1, "Com_insert_select": 1,
                   "Com_select": 1}
    assert got["Questions"] == floor["Questions"] + 1
    assert store.get_latest_sequence("s1") == 102
