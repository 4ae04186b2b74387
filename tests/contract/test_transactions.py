"""docs/behaviour.md#transactions: store.transaction() groups store calls into one database transaction."""

import threading

import pytest

import asm
from asm import Event, Session


class Boom(Exception):
    pass


def test_calls_inside_a_transaction_commit_together(store):
    session = Session.new(agent_id="a")
    with store.transaction():
        store.save_session(session)
        store.append_event(Event.new(type="session_created", session_id=session.id))
        # Reads inside see the transaction's own writes.
        assert store.get_session(session.id) == session
        assert store.get_latest_sequence(session.id) == 1
    assert [e.sequence_number for e in store.get_events(session.id)] == [1]


def test_an_exception_rolls_everything_back(store, raw):
    session = Session.new(agent_id="a")
    with pytest.raises(Boom):
        with store.transaction():
            store.save_session(session)
            store.append_events([Event.new(type="message_sent", session_id=session.id) for _ in range(3)])
            raise Boom
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 0
    assert store.get_latest_sequence(session.id) == 0
    # The numbers handed out inside the rolled-back transaction are handed out again.
    store.append_event(Event.new(type="message_sent", session_id=session.id))
    assert store.get_latest_sequence(session.id) == 1


def test_uncommitted_work_is_invisible_to_other_connections(store, raw, connect):
    session = Session.new(agent_id="a")
    with connect(raw.url) as other:
        with store.transaction():
            store.save_session(session)
            with pytest.raises(asm.SessionNotFound):
                other.get_session(session.id)
        assert other.get_session(session.id) == session


def test_other_threads_do_not_join_a_transaction(store):
    session = Session.new(agent_id="a")
    seen = []
    with store.transaction():
        store.save_session(session)
        thread = threading.Thread(target=lambda: seen.append(
            store.list_sessions(agent_id="a")))
        thread.start()
        thread.join()
    assert seen == [[]]


def test_a_failed_nested_transaction_undoes_only_its_own_work(store):
    kept, dropped = Session.new(agent_id="a"), Session.new(agent_id="a")
    with store.transaction():
        store.save_session(kept)
        with pytest.raises(Boom):
            with store.transaction():
                store.save_session(dropped)
                raise Boom
    assert [s.id for s in store.list_sessions()] == [kept.id]


def test_duplicate_appends_inside_a_transaction_do_not_abort_it(store):
    event = Event.new(type="message_sent", session_id="s1")
    with store.transaction():
        first = store.append_event_with_sequence(event)
        assert store.append_event_with_sequence(event) == first
        store.append_events([event, Event.new(type="message_sent", session_id="s1")])
    assert [e.sequence_number for e in store.get_events("s1")] == [1, 2]


def test_a_closed_store_refuses_calls_with_an_asm_error(raw, connect):
    store = connect(raw.url)
    store.close()
    with pytest.raises(asm.StorageConnectionFailed, match="closed"):
        store.get_session("s")
    with pytest.raises(asm.StorageConnectionFailed, match="closed"):
        with store.transaction():
            pass
