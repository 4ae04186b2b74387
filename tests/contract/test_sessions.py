"""docs/behaviour.md#sessions: upsert, read, list, soft delete kept, hard delete."""

from datetime import timedelta

import attrs
import pytest

import asm
from asm import Session, SessionStatus


def test_saved_session_reads_back_equal(store):
    session = Session.new(
        agent_id="agent-1", status="active", parent_session_id="ses_parent",
        metadata={"user": "ana", "n": 3}, context={"system": "be brief"}, tags=["a", "b"],
    )
    store.save_session(session)
    assert store.get_session(session.id) == session


def test_repeated_saves_keep_one_row_and_the_first_created_at(store, raw):
    session = Session.new(agent_id="a")
    store.save_session(session)
    later = attrs.evolve(
        session, status=SessionStatus.COMPLETED, created_at=session.created_at + timedelta(days=1),
        updated_at=session.updated_at + timedelta(hours=1), metadata={"v": 2},
    )
    store.save_session(later)
    got = store.get_session(session.id)
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 1
    assert got.created_at == session.created_at
    assert (got.status, got.updated_at, got.metadata) == (later.status, later.updated_at, {"v": 2})


def test_a_save_never_clears_a_soft_delete_but_may_set_it(store):
    session = Session.new(agent_id="a")
    deleted = attrs.evolve(session, deleted_at=session.created_at + timedelta(seconds=1))
    store.save_session(deleted)
    store.save_session(session)  # deleted_at=None in the record
    assert store.get_session(session.id).deleted_at == deleted.deleted_at
    store.restore_session(session.id)
    assert store.get_session(session.id).deleted_at is None


def test_restore_of_an_unknown_session_raises(store):
    with pytest.raises(asm.SessionNotFound):
        store.restore_session("ses_missing")


def test_get_unknown_session_raises_session_not_found(store):
    with pytest.raises(asm.SessionNotFound) as info:
        store.get_session("ses_missing")
    assert info.value.code == "session_not_found"
    assert isinstance(info.value, asm.NotFound)


def test_list_sessions_orders_by_created_at_then_id_and_filters(store):
    base = Session.new(agent_id="x").created_at
    sessions = [
        Session.new(id=f"s{i}", agent_id="a" if i % 2 else "b",
                    status="active" if i < 3 else "pending", created_at=base + timedelta(seconds=i // 2))
        for i in range(6)
    ]
    for s in reversed(sessions):
        store.save_session(s)
    assert [s.id for s in store.list_sessions()] == [s.id for s in sessions]
    assert [s.id for s in store.list_sessions(agent_id="a")] == ["s1", "s3", "s5"]
    assert [s.id for s in store.list_sessions(status="active")] == ["s0", "s1", "s2"]
    assert [s.id for s in store.list_sessions(status=SessionStatus.ACTIVE, agent_id="b")] == ["s0", "s2"]
    assert [s.id for s in store.list_sessions(limit=2, offset=3)] == ["s3", "s4"]
    assert store.list_sessions(limit=0) == []


def test_list_sessions_includes_soft_deleted(store):
    session = Session.new(agent_id="a")
    store.save_session(attrs.evolve(session, deleted_at=session.created_at))
    assert [s.id for s in store.list_sessions()] == [session.id]


@pytest.mark.parametrize("bad", [{"limit": -1}, {"offset": -1}, {"limit": "3"}, {"limit": True}])
def test_list_sessions_rejects_bad_paging(store, bad):
    with pytest.raises(asm.ValidationError):
        store.list_sessions(**bad)


def test_list_sessions_rejects_an_unknown_status(store):
    with pytest.raises(asm.InvalidStatus):
        store.list_sessions(status="sleeping")


def test_delete_session_removes_runs_events_counter_and_artifacts(store, raw):
    session = Session.new(agent_id="a")
    other = Session.new(agent_id="a")
    for s in (session, other):
        store.save_session(s)
        store.save_run(asm.Run.new(session_id=s.id))
        store.append_events([asm.Event.new(type="message_sent", session_id=s.id) for _ in range(3)])
        raw.execute("INSERT INTO asm_artifacts (id, " + ("`key`" if raw.dialect == "mysql" else "key")
                    + ", session_id, size_bytes) VALUES (?, ?, ?, 1)", "art_" + s.id, "k-" + s.id, s.id)
    store.delete_session(session.id)
    for table, column in [("asm_sessions", "id"), ("asm_runs", "session_id"), ("asm_events", "session_id"),
                          ("asm_session_sequences", "session_id"), ("asm_artifacts", "session_id")]:
        assert raw.scalar(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", session.id) == 0, table
        assert raw.scalar(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", other.id) >= 1, table
    store.delete_session(session.id)  # idempotent
    assert store.get_latest_sequence(session.id) == 0


@pytest.mark.parametrize("bad", [None, "ses_1", {"agent_id": "a"}, asm.Run.new(session_id="s")])
def test_save_session_rejects_what_is_not_a_session(store, bad):
    with pytest.raises(asm.ValidationError):
        store.save_session(bad)


@pytest.mark.parametrize("bad", ["", "x" * 256, None, 5])
def test_ids_are_checked_before_any_sql(store, bad):
    with pytest.raises(asm.ValidationError):
        store.get_session(bad)
