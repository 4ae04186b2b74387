"""Batch appends at their edges, on every dialect and API: batches cut into pieces, mixed
sessions, repeats within a batch and events already stored, text that JSON and SQL escape,
timestamps, and an id taken by another writer while the batch waits for its row lock.

On PostgreSQL a batch's rows travel as one binary array per column per statement
(`insert_events`, asm/store/chunks.py: insert_columns); elsewhere as executemany. Either way
the stored events must be exactly what single appends store.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from asm import Event
from asm.store.chunks import _binary_row_bound, _columns_bound, _row_bound, columns_of, row_chunks
from databases import connect_raw, execute

SMALL_PACKET = 16_384
UTC = timezone.utc
TRICKY = ['"', "\\", "'", "\\\"", "\n", "\t", "\x01", "\x1f", "\u2028", "é", "€", "😀", "%s", ":id", "{}", "[1]",
          "null", "\\u0041", "'); DROP TABLE asm_events; --"]


def executor_database(store):
    """The store's own dialect copy (behind the async facade for the async API)."""
    return getattr(store, "_store", store)._executor.database


def small_packet(store):
    """Statements must fit SMALL_PACKET bytes: batches are cut into many pieces (client side,
    as the lowered limit of a MySQL server would make them)."""
    executor_database(store).max_packet_bytes = SMALL_PACKET
    return store


def numbered(batch: list[Event], stored: list[Event], start: dict[str, int], known: list[Event] = ()) -> None:
    """`stored` is `batch` appended: events in `known` (stored before) and repeats of an id come
    back as first stored; each session's new events have the numbers after `start[session]`,
    in input order."""
    first = {e.id: e for e in known}
    next_number = dict(start)
    for sent, got in zip(batch, stored, strict=True):
        if sent.id in first:
            assert got == first[sent.id]
            continue
        next_number[sent.session_id] = next_number.get(sent.session_id, 0) + 1
        assert got == attrs.evolve(sent, sequence_number=next_number[sent.session_id])
        first[sent.id] = got


def test_a_big_batch_over_many_pieces_with_mixed_sessions_repeats_and_stored_events(store):
    small_packet(store)
    earlier = store.append_events([Event.new(type="message_sent", session_id=s, data={"earlier": True})
                                   for s in ("s1", "s2", "s1")])
    sessions = ("s1", "s2", "s3", "s4")
    fresh = [Event.new(type="tool_call_started", session_id=sessions[i % 4] if i % 7 else "s4",
                       run_id=f"run_{i % 3}" if i % 2 else None, provider="openai" if i % 5 else None,
                       data={"i": i, "text": "x" * (i % 300)}, metadata={"m": i})
             for i in range(2000)]
    # Repeats (with other payloads: the first occurrence wins) and already stored events, one
    # of them sent under another session id (ids are global).
    batch = (fresh[:700] + [attrs.evolve(fresh[3], data={"changed": True}), earlier[0]] + fresh[700:]
             + fresh[:50] + [attrs.evolve(earlier[1], session_id="s3")])
    stored = store.append_events(batch)

    assert stored[700] == stored[3] and stored[701] == earlier[0] and stored[-1] == earlier[1]
    assert stored[-51:-1] == stored[:50]
    numbered(batch, stored, {"s1": 2, "s2": 1}, known=earlier)
    for session_id in sessions:
        expected = sorted({e.id: e for e in earlier + stored if e.session_id == session_id}.values(),
                          key=lambda e: e.sequence_number)
        assert store.get_events(session_id) == expected
    assert [store.get_latest_sequence(s) for s in sessions] == [
        2 + sum(e.session_id == "s1" for e in fresh), 1 + sum(e.session_id == "s2" for e in fresh),
        sum(e.session_id == "s3" for e in fresh), sum(e.session_id == "s4" for e in fresh)]
    # The same batch again: every event is stored, nothing is reserved.
    latest = [store.get_latest_sequence(s) for s in sessions]
    assert store.append_events(batch) == stored
    assert [store.get_latest_sequence(s) for s in sessions] == latest


def test_text_that_json_and_sql_escape_round_trips(store):
    small_packet(store)
    batch = []
    for i, text in enumerate(TRICKY * 40):
        batch.append(Event.new(
            id=f"evt{i}{text}", type="message_sent", session_id=f"ses{text}", run_id=f"run{text}",
            provider=f"p{text}", correlation_id=f"c{text}", data={text: text, "k": [text, {"n": text}]},
            metadata={"t": text * 20}))
    stored = store.append_events(batch)
    numbered(batch, stored, {})
    for text in TRICKY:
        assert store.get_events(f"ses{text}") == [e for e in stored if e.session_id == f"ses{text}"]


def test_numbers_round_trip_as_they_do_one_by_one(store):
    data = {"big": 2**63 - 1, "small": -(2**63), "f": 0.1, "tiny": 5e-324, "huge": 1e300, "e": 1.5e-7,
            "whole": 2.0, "neg": -17, "t": True, "n": None, "nested": [[1.25, [1e16]], {"x": -0.5}]}
    single = store.append_event_with_sequence(Event.new(type="message_sent", session_id="one", data=data))
    stored = store.append_events([Event.new(type="message_sent", session_id="batch", data=data,
                                            schema_version=2**31 - 1) for _ in range(3)])
    for e in store.get_events("batch"):
        assert e.data == single.data == data
        assert {k: type(v) for k, v in e.data.items()} == {k: type(v) for k, v in data.items()}
        assert e.schema_version == 2**31 - 1
    assert store.get_events("batch") == stored


@pytest.mark.parametrize("when", [
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 1, 1, tzinfo=UTC),  # no fraction: isoformat writes none
    datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=-7, minutes=-30))),
    datetime(1000, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
], ids=["leap-last-microsecond", "whole-second", "offset", "year-1000", "year-9999"])
def test_timestamps_are_stored_as_a_single_append_stores_them(store, when):
    single = store.append_event_with_sequence(Event.new(type="message_sent", session_id="one", timestamp=when))
    batch = [Event.new(type="message_sent", session_id="batch", timestamp=when - timedelta(microseconds=i))
             for i in range(3)]
    stored = store.append_events(batch)
    read = store.get_events("batch")
    assert read == stored
    assert read[0].timestamp == store.get_events("one")[0].timestamp == single.timestamp == when
    assert [e.timestamp for e in read] == [when - timedelta(microseconds=i) for i in range(3)]


def test_one_new_event_among_stored_ones(store):
    stored = store.append_events([Event.new(type="message_sent", session_id="s1") for _ in range(3)])
    new = Event.new(type="message_sent", session_id="s1", data={"new": True})
    result = store.append_events([stored[2], new, stored[0]])
    assert result == [stored[2], attrs.evolve(new, sequence_number=4), stored[0]]
    assert len(store.get_events("s1")) == 4


def _wait_for_lock_wait(dialect: str, url: str, timeout: float = 20.0) -> None:
    watcher = connect_raw(url)
    try:
        sql = ("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
               if dialect == "postgres" else
               "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT' "
               "AND trx_mysql_thread_id IN (SELECT id FROM information_schema.processlist WHERE db = DATABASE())")
        deadline = time.monotonic() + timeout
        # InnoDB refreshes its information_schema.innodb_trx cache only when it was not read for
        # 100 ms: polled faster, it showed the previous test's lock wait for the whole 20 s.
        pause = 0.02 if dialect == "postgres" else 0.15
        while execute(dialect, watcher, sql) == [(0,)]:
            assert time.monotonic() < deadline, "the batch never waited for the row lock"
            time.sleep(pause)
    finally:
        watcher.close()


def test_an_id_another_writer_takes_meanwhile_is_the_stored_event(dialect, store, raw):
    """The batch looks its ids up, then its INSERT waits on a row another transaction inserted
    with one of them, and fails on the primary key once that commits: a lost race, so the
    append runs again and returns the other writer's event (as with executemany)."""
    if dialect == "sqlite":
        pytest.skip("SQLite's one write lock serializes the writers: no race to lose")
    taken = Event.new(type="message_sent", session_id="other")
    batch = [Event.new(type="message_sent", session_id="s1") for _ in range(5)]
    batch.insert(2, taken)
    other = connect_raw(raw.url)
    result: dict = {}
    try:
        execute(dialect, other, "BEGIN")
        execute(dialect, other, "INSERT INTO asm_events (id, type, session_id, sequence_number, timestamp) "
                                "VALUES (?, 'message_received', 'other', 41, ?)",
                (taken.id, taken.timestamp if dialect == "postgres" else taken.timestamp.replace(tzinfo=None)))
        worker = threading.Thread(target=lambda: result.update(stored=store.append_events(batch)))
        worker.start()
        _wait_for_lock_wait(dialect, raw.url)
        execute(dialect, other, "COMMIT")
        worker.join(30)
    finally:
        other.close()
    stored = result["stored"]
    assert stored[2].id == taken.id and stored[2].sequence_number == 41 and stored[2].type.value == "message_received"
    assert [e.sequence_number for e in stored if e.session_id == "s1"] == [1, 2, 3, 4, 5]
    assert store.get_latest_sequence("s1") == 5


# -- the columns of PostgreSQL's insert_events ---------------------------------------------------


def test_columns_hold_every_row_in_order_and_are_measured_as_the_rows_are():
    when = datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=UTC)
    rows = [{"id": f"e{i}" + TRICKY[i % len(TRICKY)] * (i % 40), "timestamp": when + timedelta(seconds=i),
             "sequence_number": 2**63 - 1 - i, "run_id": None, "data": json.dumps({"t": TRICKY[i % len(TRICKY)]})}
            for i in range(500)]
    names = tuple(rows[0])
    columns = columns_of(rows, names)
    assert [dict(zip(names, values)) for values in zip(*columns.values(), strict=True)] == rows
    # The whole batch's bound is the rows' (what cutting it into runs measures).
    assert _columns_bound(columns, len(rows)) == sum(map(_row_bound, rows))
    for budget in (200, 4096, SMALL_PACKET):
        runs = list(row_chunks(rows, budget))
        assert [row for run in runs for row in run] == rows
        assert all(len(run) == 1 or _columns_bound(columns_of(run, names), len(run)) <= budget for run in runs)
        binary_runs = list(row_chunks(rows, budget, _binary_row_bound))
        assert [row for run in binary_runs for row in run] == rows
        assert all(len(run) == 1 or sum(map(_binary_row_bound, run)) <= budget for run in binary_runs)
        assert len(binary_runs) <= len(runs)
