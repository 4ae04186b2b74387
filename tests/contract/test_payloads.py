"""The JSON payload rules (docs/behaviour.md#json-payload-rules) against real databases: what passes round-trips exactly on every
dialect, in every payload column kind; what is refused names its path and writes nothing."""

import pytest

import asm
from payload_cases import ACCEPTED, REJECTED


@pytest.mark.parametrize(("payload", "expected"), ACCEPTED)
def test_accepted_payloads_round_trip_exactly(store, payload, expected):
    session = asm.Session.new(agent_id="a", metadata=payload, context=payload)
    store.save_session(session)
    got = store.get_session(session.id)
    assert got.metadata == expected
    assert got.context == expected

    run = asm.Run.new(session_id=session.id, output=payload, token_usage=payload)
    store.save_run(run)
    assert store.get_run(run.id).output == expected

    appended = store.append_event_with_sequence(asm.Event.new(type="message_sent", session_id=session.id, data=payload))
    (read,) = store.get_events(session.id)
    assert read.data == expected == appended.data
    assert _types(read.data) == _types(expected), "ints stay ints and floats stay floats"


@pytest.mark.parametrize(("payload", "path"), REJECTED)
def test_rejected_payloads_name_the_path_and_write_nothing(store, raw, payload, path):
    event = asm.Event.new(type="message_sent", session_id="s1", data=payload)
    with pytest.raises(asm.ValidationError) as info:
        store.append_event(event)
    assert path in str(info.value)
    with pytest.raises(asm.ValidationError):
        store.save_session(asm.Session.new(agent_id="a", metadata=payload))
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_session_sequences") == 0


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
