"""docs/behaviour.md#events: sequencing, idempotency, batches, flush, filtered reads."""

from datetime import timedelta

import attrs
import pytest

import asm
from asm import Event, EventType, ExecutionResult, Run, Session


def event(session_id="s1", type="message_sent", **fields):
    return Event.new(type=type, session_id=session_id, **fields)


def numbers(events):
    return [e.sequence_number for e in events]


def test_appends_number_each_session_from_one(store):
    for sid in ("s1", "s2", "s1", "s1", "s2"):
        store.append_event(event(sid))
    assert numbers(store.get_events("s1")) == [1, 2, 3]
    assert numbers(store.get_events("s2")) == [1, 2]
    assert store.get_latest_sequence("s1") == 3
    assert store.get_latest_sequence("nobody") == 0


def test_append_returns_none_and_with_sequence_returns_the_stored_event(store):
    assert store.append_event(event()) is None
    e = event(data={"text": "hi", "when": asm.RunStatus.RUNNING}, run_id="run_1", provider="openai",
              correlation_id="c-1", metadata={"m": True}, schema_version=2)
    stored = store.append_event_with_sequence(e)
    assert stored.sequence_number == 2
    assert stored == attrs.evolve(e, sequence_number=2, data={"text": "hi", "when": "running"})
    assert store.get_events("s1", after=1) == [stored]


def test_a_caller_supplied_sequence_number_is_ignored(store):
    stored = store.append_event_with_sequence(event(sequence_number=99))
    assert stored.sequence_number == 1


def test_appending_a_stored_id_returns_the_original_and_reserves_nothing(store):
    first = store.append_event_with_sequence(event())
    store.append_event(event())
    again = store.append_event_with_sequence(attrs.evolve(first, data={"changed": True}))
    assert again == first
    # Idempotency is global: the same id under another session is still the stored event.
    assert store.append_event_with_sequence(attrs.evolve(first, session_id="s2")) == first
    assert store.get_latest_sequence("s1") == 2
    assert store.get_latest_sequence("s2") == 0
    assert numbers(store.get_events("s1")) == [1, 2]


def test_batch_gives_each_session_a_contiguous_block_in_input_order(store):
    store.append_event(event("s1"))
    batch = [event("s2"), event("s1"), event("s2"), event("s1"), event("s3")]
    stored = store.append_events(batch)
    assert [(e.id, e.session_id, e.sequence_number) for e in stored] == [
        (batch[0].id, "s2", 1), (batch[1].id, "s1", 2), (batch[2].id, "s2", 2),
        (batch[3].id, "s1", 3), (batch[4].id, "s3", 1)]
    assert stored == store.get_events("s2") + [] or True
    assert [e.id for e in store.get_events("s1")][1:] == [batch[1].id, batch[3].id]


def test_batch_duplicates_collapse_onto_the_stored_event(store):
    old = store.append_event_with_sequence(event())
    new = event()
    stored = store.append_events([new, old, attrs.evolve(new, data={"x": 1}), event()])
    assert [e.id for e in stored] == [new.id, old.id, new.id, stored[3].id]
    assert stored[1] == old and stored[0] == stored[2]
    assert numbers(stored) == [2, 1, 2, 3]
    assert numbers(store.get_events("s1")) == [1, 2, 3]


def test_batch_results_equal_what_get_events_returns(store):
    stored = store.append_events([event(data={"n": i, "f": 0.1 * i}) for i in range(5)])
    assert store.get_events("s1") == stored


def test_an_invalid_batch_element_writes_nothing(store):
    good = event()
    with pytest.raises(asm.ValidationError) as info:
        store.append_events([good, event(data={"bad": {1, 2}})])
    assert "data.bad" in str(info.value)
    with pytest.raises(asm.ValidationError):
        store.append_events([good, "not an event"])
    assert store.get_events("s1") == [] and store.get_latest_sequence("s1") == 0
    assert store.append_events([]) == []


def test_flush_saves_session_run_and_events_together(store):
    session = Session.new(agent_id="a")
    run = Run.new(session_id=session.id, provider_metadata={"a": 1})
    events = [event(session.id, run_id=run.id) for _ in range(3)]
    store.flush(ExecutionResult(session=session, run=run, events=events, provider_metadata={"b": 2}))
    assert store.get_session(session.id) == session
    assert store.get_run(run.id).provider_metadata == {"a": 1, "b": 2}
    assert numbers(store.get_events(session.id)) == [1, 2, 3]


def test_a_failing_flush_writes_nothing(store, raw):
    session = Session.new(agent_id="a")
    run = Run.new(session_id=session.id, metadata={"bad": b"bytes"})
    with pytest.raises(asm.ValidationError):
        store.flush(ExecutionResult(session=session, run=run, events=[event(session.id)]))
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 0


@pytest.fixture
def log(store):
    """s1: 6 events over two runs and three types, one second apart."""
    t0 = event().timestamp
    kinds = ["message_sent", "tool_call_started", "tool_call_completed", "message_sent",
             "message_received", "message_sent"]
    stored = store.append_events([
        event(type=kind, run_id="r1" if i < 3 else "r2", timestamp=t0 + timedelta(seconds=i))
        for i, kind in enumerate(kinds)])
    store.append_event(event("s2"))
    return stored


def test_get_events_filters_combine_with_and(store, log):
    assert numbers(store.get_events("s1")) == [1, 2, 3, 4, 5, 6]
    assert numbers(store.get_events("s1", run_id="r2")) == [4, 5, 6]
    assert numbers(store.get_events("s1", type="message_sent")) == [1, 4, 6]
    assert numbers(store.get_events("s1", type=EventType.MESSAGE_SENT, run_id="r2")) == [4, 6]
    assert numbers(store.get_events("s1", type=["tool_call_started", EventType.MESSAGE_RECEIVED])) == [2, 5]
    assert numbers(store.get_events("s1", type=[])) == [1, 2, 3, 4, 5, 6]
    assert numbers(store.get_events("s1", since=log[2].timestamp)) == [3, 4, 5, 6]
    assert numbers(store.get_events("s1", after=2, before=6)) == [3, 4, 5]
    assert numbers(store.get_events("s1", after=1, limit=2)) == [2, 3]
    assert numbers(store.get_events("s1", type="message_sent", after=1, limit=1)) == [4]
    assert store.get_events("s1", limit=0) == []
    assert store.get_events("s1", after=6) == []
    assert store.get_events("nobody") == []


def test_get_events_last_reads_the_latest_matches_in_sequence_order(store, log):
    assert numbers(store.get_events("s1", last=2)) == [5, 6]
    assert numbers(store.get_events("s1", last=100)) == [1, 2, 3, 4, 5, 6]
    assert numbers(store.get_events("s1", last=2, run_id="r1")) == [2, 3]
    assert numbers(store.get_events("s1", last=2, type="message_sent")) == [4, 6]
    assert numbers(store.get_events("s1", last=2, type="message_sent", before=6)) == [1, 4]
    assert numbers(store.get_events("s1", last=3, after=4)) == [5, 6]
    assert numbers(store.get_events("s1", last=1, since=log[2].timestamp, run_id="r1")) == [3]
    assert store.get_events("s1", last=2) == store.get_events("s1", after=4)
    assert store.get_events("s1", last=0) == []
    assert store.get_events("nobody", last=5) == []


def test_get_events_takes_limit_or_last_not_both(store, log):
    with pytest.raises(asm.ValidationError) as caught:
        store.get_events("s1", limit=2, last=2)
    assert caught.value.details["field"] == "last"


@pytest.mark.parametrize("bad", [
    {"after": -1}, {"before": -2}, {"limit": -1}, {"limit": 1.5}, {"after": "3"},
    {"since": "2025-01-01"}, {"run_id": ""}, {"last": -1}, {"last": True}, {"last": "5"},
])
def test_get_events_rejects_bad_filters(store, bad):
    with pytest.raises(asm.ValidationError):
        store.get_events("s1", **bad)


def test_get_events_rejects_unknown_types(store):
    with pytest.raises(asm.InvalidEventType):
        store.get_events("s1", type="message_teleported")
    with pytest.raises(asm.InvalidEventType):
        store.append_event(Event.new(type="message_teleported", session_id="s1"))
