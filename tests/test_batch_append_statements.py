"""A batch append inserts its rows in one statement per piece, not one per row.

PostgreSQL: migration 0004's FOR EACH STATEMENT trigger (asm_notify_appended_events) fired
once per row while psycopg's executemany sent an INSERT per row; `insert_events` now takes
the batch as one array per column (`unnest`). The count is read inside the appending
transaction from pg_stat_xact_user_functions (`SET LOCAL track_functions = 'pl'`, superuser).
MySQL: PyMySQL and aiomysql turn `insert_events`' executemany into multi-row INSERTs; the
session's Com_insert and Com_insert_select count the statements. SQLite runs executemany
in-process and has no statement trigger.
"""

from __future__ import annotations

import attrs
import psycopg
import pytest

from asm import Event, ExecutionResult, Run, Session
from async_facade import AsyncStoreAsSync
from databases import connect_raw

NOTIFY_FUNCTION = "asm_notify_appended_events"
SMALL_PACKET = 16_384


def on_transaction_connection(store, sql: str) -> list[dict]:
    """Run `sql` on the connection of the store's open transaction() block; its rows."""
    if isinstance(store, AsyncStoreAsSync):
        async def run():
            async with store._store._executor._transaction.get().conn.cursor() as cur:  # psycopg, aiomysql
                await cur.execute(sql)
                return list(await cur.fetchall()) if cur.description else []

        return store._submit(run)
    with store._executor._transaction.get().conn.cursor() as cur:  # psycopg, PyMySQL
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []


def executor_database(store):
    return getattr(store, "_store", store)._executor.database


def trigger_calls(store) -> int:
    rows = on_transaction_connection(
        store, f"SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = '{NOTIFY_FUNCTION}'")
    return rows[0]["calls"] if rows else 0


def count_trigger_calls(store, work) -> int:
    """How often the notify trigger ran during `work()`, in one transaction of the store."""
    with store.transaction():
        on_transaction_connection(store, "SET LOCAL track_functions = 'pl'")
        before = trigger_calls(store)
        work()
        return trigger_calls(store) - before


def mysql_inserts(store, work) -> int:
    """How many INSERT statements the store's connection ran during `work()` (INSERT ... VALUES
    and INSERT ... SELECT: advance_sequence, once per session, is one or the other)."""
    def com_insert() -> int:
        rows = on_transaction_connection(
            store, "SHOW SESSION STATUS WHERE Variable_name IN ('Com_insert', 'Com_insert_select')")
        return sum(int(row["Value"]) for row in rows)

    with store.transaction():
        before = com_insert()
        work()
        return com_insert() - before


def mixed_batch(count: int, sessions=("s1", "s2", "s3")) -> list[Event]:
    return [Event.new(type="message_sent", session_id=sessions[i % len(sessions)],
                      data={"i": i, "text": "x" * 150}) for i in range(count)]


@pytest.fixture
def postgres_only(dialect):
    if dialect != "postgres":
        pytest.skip("the statement trigger is PostgreSQL's (migration 0004)")


def test_the_observable_counts_one_call_per_insert_statement(postgres_only, raw):
    """Control: the counter does count per statement, so `1` below is not a counter that
    never moves (three single-row INSERTs, as executemany sends, fire it three times)."""
    conn = connect_raw(raw.url)
    try:
        with conn.transaction():
            conn.execute("SET LOCAL track_functions = 'pl'")
            conn.cursor().executemany(
                "INSERT INTO asm_events (id, type, session_id, sequence_number) VALUES (%s, 'message_sent', 's1', %s)",
                [("e1", 1), ("e2", 2), ("e3", 3)])
            (calls,), = conn.execute(
                "SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = %s", (NOTIFY_FUNCTION,)).fetchall()
            assert calls == 3
            raise psycopg.Rollback()
    finally:
        conn.close()
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 0


def test_a_batch_fires_the_notify_trigger_once(postgres_only, store):
    stored_before = store.append_event_with_sequence(Event.new(type="message_sent", session_id="s2"))
    batch = mixed_batch(300)
    # Repeats within the batch and an event already stored insert nothing more.
    batch = batch + batch[:5] + [stored_before]
    calls = count_trigger_calls(store, lambda: store.append_events(batch))
    assert calls == 1, f"the statement trigger ran {calls} times for one batch (once per row before)"
    assert [e.sequence_number for e in store.get_events("s1")] == list(range(1, 101))
    assert store.get_latest_sequence("s2") == 101


def test_flush_fires_the_notify_trigger_once(postgres_only, store):
    session = Session.new(agent_id="a")
    run = Run.new(session_id=session.id)
    events = [Event.new(type="message_sent", session_id=session.id, run_id=run.id) for _ in range(50)]
    calls = count_trigger_calls(store, lambda: store.flush(ExecutionResult(session=session, run=run, events=events)))
    assert calls == 1
    assert len(store.get_events(session.id)) == 50


def test_a_batch_of_stored_events_inserts_nothing(postgres_only, store):
    stored = store.append_events(mixed_batch(20))
    calls = count_trigger_calls(store, lambda: store.append_events(stored))
    assert calls == 0


def test_a_batch_split_to_fit_the_limit_fires_once_per_piece(postgres_only, store):
    executor_database(store).max_packet_bytes = SMALL_PACKET
    batch = mixed_batch(3000)
    calls = count_trigger_calls(store, lambda: store.append_events(batch))
    # About 300 bytes per row in binary arrays (ASCII text: a byte a character): some 50 rows a piece of 15 KiB.
    assert 2 <= calls <= len(batch) // 25, calls
    assert len(store.get_events("s1")) == 1000


def test_ten_thousand_events_go_in_one_statement(postgres_only, store):
    batch = mixed_batch(10_000)
    calls = count_trigger_calls(store, lambda: store.append_events(batch))
    assert calls == 1
    assert store.get_latest_sequence("s3") == 3333


@pytest.mark.stress
def test_a_hundred_thousand_events_go_in_one_statement(postgres_only, api, store):
    if api != "sync":
        pytest.skip("the sync API covers the size; the default run covers both APIs")
    batch = mixed_batch(100_000, sessions=("s1",))
    calls = count_trigger_calls(store, lambda: store.append_events(batch))
    assert calls == 1
    assert store.get_latest_sequence("s1") == 100_000


def test_mysql_sends_a_batch_as_one_multi_row_insert(dialect, store):
    if dialect != "mysql":
        pytest.skip("PyMySQL's and aiomysql's executemany rewrite")
    stored_before = store.append_event_with_sequence(Event.new(type="message_sent", session_id="s2"))
    batch = mixed_batch(300) + [stored_before]
    # One advance_sequence per session, then one INSERT of the 300 rows.
    assert mysql_inserts(store, lambda: store.append_events(batch)) == 3 + 1
    assert store.get_latest_sequence("s2") == 101


def test_mysql_splits_a_batch_only_to_fit_the_packet(dialect, store):
    if dialect != "mysql":
        pytest.skip("PyMySQL's and aiomysql's executemany rewrite")
    executor_database(store).max_packet_bytes = SMALL_PACKET
    batch = mixed_batch(600)
    inserts = mysql_inserts(store, lambda: store.append_events(batch)) - 3  # the sessions' advance_sequence
    # Cut by a bound of 4 bytes per character (MySQL's escaping at worst): some 16 rows a piece.
    assert 2 <= inserts <= len(batch) // 10, inserts
    stored = store.get_events("s1")
    assert [e.id for e in stored] == [e.id for e in batch[::3]]
    assert stored == [attrs.evolve(e, sequence_number=i + 1) for i, e in enumerate(batch[::3])]
