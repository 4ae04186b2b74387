"""docs/behaviour.md#queries: a keyset cursor continues only the search that made it. Reused
with other filters it is refused (InvalidCursor), not read as a position in another result
set (which gave an empty or partial page). Every dialect, sync and async (the `store` fixture)."""

from datetime import timedelta

import pytest

import asm
from asm import Event, Run, Session

T0 = Session.new(agent_id="x").created_at - timedelta(days=1)


@pytest.fixture
def filled(store):
    """Six sessions of two agents, each with two runs of two providers and three events."""
    for i in range(6):
        session = Session.new(id=f"s{i}", agent_id="a" if i < 3 else "b", tags=["x"],
                              created_at=T0 + timedelta(seconds=i), updated_at=T0 + timedelta(seconds=i))
        store.save_session(session)
        for provider in ("openai", "anthropic"):
            store.save_run(Run.new(session_id=session.id, provider=provider))
        for n in range(3):
            store.append_event(Event.new(session_id=session.id, type="message_sent", data={"n": n}))
    return store


def test_a_sessions_cursor_is_bound_to_its_filters(filled):
    q = filled.query
    first = q.search_sessions(agent_id="a", limit=1)
    assert first.has_more
    # The same filters (in any spelling) continue the walk.
    assert q.search_sessions(agent_id="a", limit=1, cursor=first.cursor).sessions
    assert q.search_sessions(agent_id="a", limit=5, cursor=first.cursor, with_total=True).sessions
    for other in ({"agent_id": "b"}, {}, {"agent_id": "a", "tags": ["x"]}, {"agent_id": "a", "status": "active"},
                  {"agent_id": "a", "include_deleted": True}):
        with pytest.raises(asm.InvalidCursor, match="other filters"):
            q.search_sessions(**other, limit=1, cursor=first.cursor)


def test_an_unfiltered_cursor_is_refused_with_a_filter(filled):
    first = filled.query.search_sessions(limit=2)
    with pytest.raises(asm.InvalidCursor, match="other filters") as info:
        filled.query.search_sessions(agent_id="b", limit=2, cursor=first.cursor)
    assert info.value.code == "invalid_cursor"


@pytest.mark.parametrize("order_by", ["started_at_desc", "token_usage_desc"])
def test_a_runs_cursor_is_bound_to_its_filters(filled, order_by):
    q = filled.query
    first = q.search_runs(provider="openai", order_by=order_by, limit=2)
    assert first.has_more
    following = q.search_runs(provider="openai", order_by=order_by, limit=10, cursor=first.cursor)
    assert {run.provider for run in following.runs} == {"openai"} and len(following.runs) == 4
    with pytest.raises(asm.InvalidCursor, match="other filters"):
        q.search_runs(provider="anthropic", order_by=order_by, limit=2, cursor=first.cursor)
    with pytest.raises(asm.InvalidCursor, match="other filters"):
        q.search_runs(provider="openai", min_tokens=0, order_by=order_by, limit=2, cursor=first.cursor)


@pytest.mark.parametrize("order_by", ["sequence_asc", "timestamp_desc"])
def test_an_events_cursor_is_bound_to_its_filters(filled, order_by):
    q = filled.query
    first = q.search_events(session_ids=["s1", "s2"], order_by=order_by, limit=2)
    assert first.has_more
    rest = q.search_events(session_ids=["s1", "s2"], order_by=order_by, limit=10, cursor=first.cursor)
    assert len(rest.events) == 4
    for other in ({"session_ids": ["s1"]}, {}, {"session_ids": ["s1", "s2"], "types": "message_sent"}):
        with pytest.raises(asm.InvalidCursor, match="other filters"):
            q.search_events(**other, order_by=order_by, limit=2, cursor=first.cursor)


def test_the_order_is_still_checked_before_the_filters(filled):
    first = filled.query.search_sessions(agent_id="a", limit=1)
    with pytest.raises(asm.InvalidCursor, match="another query or order"):
        filled.query.search_sessions(agent_id="b", order_by="created_at_asc", limit=1, cursor=first.cursor)
