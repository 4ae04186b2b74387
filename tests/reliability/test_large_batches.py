"""Batches of any size under any statement size limit (MySQL's `max_allowed_packet`).

A batch's id lookups and inserts are split into statements that fit the server's limit, all
in the batch's one transaction: every event is numbered, in input order, re-sending the batch
changes nothing, and a failure in a late statement leaves nothing written. On MariaDB the
store runs under a lowered `max_allowed_packet` (a global setting: it is set only while the
store opens its one connection, which keeps it, and restored at once). PostgreSQL and SQLite
have no such limit; there the store is given the same small bound, so the splitting is
exercised on every dialect.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

import asm
from asm import Event, RetentionPolicy, Session
from databases import admin_connection, execute

SMALL_PACKET = 16_384
MIB = 1_048_576


def executor_database(store):
    """The store's own dialect copy (behind the async facade for the async API)."""
    return getattr(store, "_store", store)._executor.database


def open_store(dialect: str, raw, connect, packet: int):
    """A store whose statements must fit in `packet` bytes."""
    if dialect != "mysql":
        store = connect(raw.url)
        executor_database(store).max_packet_bytes = packet
        return store
    with admin_connection("mysql") as admin:
        (before,), = execute("mysql", admin, "SELECT @@GLOBAL.max_allowed_packet")
        execute("mysql", admin, f"SET GLOBAL max_allowed_packet = {packet}")
        try:
            # One connection, opened now: it keeps the small limit after the global is restored.
            store = connect(raw.url, max_size=1, min_size=1)
            store.get_latest_sequence("warm_up")
        finally:
            execute("mysql", admin, f"SET GLOBAL max_allowed_packet = {before}")
    # Connections opened from now on have the usual limit again: other tests are unaffected.
    with admin_connection("mysql") as later:
        assert execute("mysql", later, "SELECT @@max_allowed_packet") == [(before,)]
    return store


def long_id(i: int) -> str:
    """255 characters, with quotes, backslashes and multi-byte characters that grow when escaped."""
    return (f"{i:07d}" + "\"\\'é€😀ab" * 40)[:255]


def interleaved(count: int, sessions: tuple[str, ...] = ("s1", "s2"), ids=None) -> list[Event]:
    return [Event.new(type="message_sent", session_id=sessions[i % len(sessions)], data={"i": i},
                      **({} if ids is None else {"id": ids(i)}))
            for i in range(count)]


def assert_numbered_in_input_order(batch: list[Event], stored: list[Event]) -> None:
    assert [e.id for e in stored] == [e.id for e in batch]
    by_session: dict[str, list[int]] = {}
    for e in stored:
        by_session.setdefault(e.session_id, []).append(e.sequence_number)
    for numbers in by_session.values():
        assert numbers == list(range(1, len(numbers) + 1))


def check_big_batch(store, batch: list[Event], *, read_back: bool = True) -> None:
    stored = store.append_events(batch)
    assert_numbered_in_input_order(batch, stored)
    sessions = {e.session_id for e in batch}
    for session_id in sessions if read_back else ():
        read = list(store.iter_events(session_id, batch_size=5000))
        assert read == [e for e in stored if e.session_id == session_id]
    # Idempotent: the same batch again returns the stored events (read back from the
    # database) and reserves nothing.
    assert store.append_events(batch) == stored
    for session_id in sessions:
        assert store.get_latest_sequence(session_id) == sum(e.session_id == session_id for e in batch)


def test_a_batch_far_larger_than_the_packet_is_stored_whole(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    check_big_batch(store, interleaved(3000))
    assert executor_database(store).max_packet_bytes == SMALL_PACKET


def test_long_ids_that_grow_when_escaped_are_split_to_fit(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    check_big_batch(store, interleaved(800, ids=long_id))


def test_repeated_ids_in_a_big_batch_collapse_onto_the_first(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    batch = interleaved(1500)
    stored = store.append_events(batch + batch[:700])
    assert stored[1500:] == stored[:700]
    assert store.get_latest_sequence("s1") == 750


def test_an_invalid_last_element_writes_nothing(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    batch = interleaved(2000)
    with pytest.raises(asm.ValidationError) as failure:
        store.append_events([*batch, "not an event"])
    assert failure.value.details["field"] == "events[2000]"
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_session_sequences") == 0


def test_a_failure_in_a_late_statement_rolls_the_whole_batch_back(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    # A broken database: an event holds number 590 of session s1, but s1's counter was never
    # raised (health_check reports such counters). The batch's insert of number 590 comes
    # long after its first statements and fails on the unique (session, number) index.
    squatter = store.append_event_with_sequence(Event.new(type="message_sent", session_id="other"))
    raw.execute("UPDATE asm_events SET session_id = ?, sequence_number = ? WHERE id = ?", "s1", 590, squatter.id)
    raw.execute("DELETE FROM asm_session_sequences")
    batch = interleaved(600, sessions=("s1",))
    with pytest.raises(asm.AsmError) as failure:
        store.append_events(batch)
    assert isinstance(failure.value, asm.StorageWriteFailed), failure.value
    assert raw.execute("SELECT id FROM asm_events") == [(squatter.id,)]
    assert raw.scalar("SELECT COUNT(*) FROM asm_session_sequences") == 0


def test_maintenance_batches_of_long_ids_fit_a_small_packet(dialect, raw, connect):
    store = open_store(dialect, raw, connect, SMALL_PACKET)
    now = Session.new(agent_id="a").created_at
    for i in range(120):
        session = Session.new(id=long_id(i), agent_id="a", status="completed", created_at=now - timedelta(days=100),
                              updated_at=now - timedelta(days=100))
        # Half deleted long ago (hard-deleted now), half only expired (soft-deleted now).
        store.save_session(attrs.evolve(session, deleted_at=now - timedelta(days=40) if i % 2 else None))
    store.append_events([Event.new(type="message_sent", session_id=long_id(i), id=long_id(1000 + i))
                         for i in range(120)])
    store.save_session(Session.new(id="busy", agent_id="a", status="active"))
    store.append_events(interleaved(200, sessions=("busy",), ids=lambda i: long_id(2000 + i)))
    report = store.maintenance.execute(RetentionPolicy(max_events_per_session=10, batch_size=1000))
    assert report.errors == []
    assert (report.sessions_soft_deleted, report.sessions_hard_deleted, report.events_pruned) == (60, 60, 190)
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 61
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 60 + 10


@pytest.mark.stress
@pytest.mark.parametrize("count, ids", [(100_000, None), (70_000, long_id)], ids=["ordinary", "long-ids"])
def test_huge_batches_under_a_one_mebibyte_packet(dialect, api, raw, connect, count, ids):
    if dialect != "mysql" or api != "sync":
        pytest.skip("the packet limit is MySQL's; the default run covers both APIs on every dialect")
    store = open_store(dialect, raw, connect, MIB)
    check_big_batch(store, interleaved(count, ids=ids), read_back=False)


def test_an_import_fits_the_packet_too(dialect, raw, connect):
    """import_session and the streamed import_session_from insert and look up in pieces."""
    import io

    source = connect(raw.url)
    session = Session.new(agent_id="a", id="ses_import_packet")
    source.save_session(session)
    source.append_events([Event.new(type="message_sent", session_id=session.id, id=long_id(i), data={"i": i})
                          for i in range(500)])
    export = source.query.export_session(session.id)
    text = io.StringIO()
    source.query.export_session_to(session.id, text)
    source.delete_session(session.id)

    store = open_store(dialect, raw, connect, SMALL_PACKET)
    store.query.import_session(export)
    assert store.query.export_session(session.id) == export
    store.delete_session(session.id)
    store.query.import_session_from(io.StringIO(text.getvalue()))
    assert store.query.export_session(session.id) == export
