"""The end of a session's sequence numbers (2**63 - 1, the largest 64-bit number).

`import_session` accepts numbers up to 2**63 - 1, so a session's counter can stand at the
last one. An append that needs a number past it is a StorageWriteFailed saying so (not a
driver overflow, not a TypeError), on every write path, and nothing is written.
"""

from __future__ import annotations

import attrs
import pytest

import asm
from asm import Event, ExecutionResult, Run, Session, SessionExport

LAST = 2**63 - 1


def new_event(session_id: str) -> Event:
    return Event.new(type="message_sent", session_id=session_id)


def import_up_to(store, session_id: str, number: int) -> Session:
    """A session whose one stored event holds `number` (so its counter stands there)."""
    session = Session.new(id=session_id, agent_id="a")
    event = attrs.evolve(new_event(session_id), sequence_number=number)
    store.query.import_session(SessionExport(session=session, events=[event]))
    assert store.get_latest_sequence(session_id) == number
    return session


def flush(store, session, events):
    store.flush(ExecutionResult(session=session, run=Run.new(session_id=session.id), events=events))


WRITES = {
    "append_event": lambda store, session: store.append_event(new_event(session.id)),
    "append_event_with_sequence": lambda store, session: store.append_event_with_sequence(new_event(session.id)),
    "append_events": lambda store, session: store.append_events([new_event(session.id)]),
    "flush": lambda store, session: flush(store, session, [new_event(session.id)]),
}


def assert_exhausted(failure, session_id: str) -> None:
    error = failure.value
    assert type(error) is asm.StorageWriteFailed, repr(error)
    assert error.code == "storage_write_failed" and not error.retryable
    assert f"session {session_id!r} has no sequence numbers left" in error.message
    assert error.details["session_id"] == session_id
    assert error.details["kind"] == "sequence_exhausted"


def stored_state(raw):
    return (raw.execute("SELECT id, sequence_number FROM asm_events ORDER BY id"),
            raw.execute("SELECT session_id, last_sequence FROM asm_session_sequences ORDER BY session_id"),
            raw.scalar("SELECT COUNT(*) FROM asm_runs"))


@pytest.mark.parametrize("write", WRITES)
def test_appending_past_the_last_number_is_a_clear_error_and_writes_nothing(store, raw, write):
    session = import_up_to(store, "full", LAST)
    before = stored_state(raw)
    with pytest.raises(asm.AsmError) as failure:
        WRITES[write](store, session)
    assert_exhausted(failure, "full")
    assert stored_state(raw) == before
    assert store.get_latest_sequence("full") == LAST


def test_a_batch_that_would_cross_the_limit_writes_nothing_and_one_that_fits_gets_the_last_numbers(store, raw):
    import_up_to(store, "nearly", LAST - 3)
    store.append_event(new_event("fine"))
    before = stored_state(raw)
    # Another session's events in the same batch are not written either.
    with pytest.raises(asm.AsmError) as failure:
        store.append_events([new_event("fine"), *[new_event("nearly") for _ in range(4)]])
    assert_exhausted(failure, "nearly")
    assert failure.value.details["count"] == 4
    assert stored_state(raw) == before
    stored = store.append_events([new_event("nearly") for _ in range(3)])
    assert [e.sequence_number for e in stored] == [LAST - 2, LAST - 1, LAST]
    with pytest.raises(asm.AsmError) as failure:
        store.append_event_with_sequence(new_event("nearly"))
    assert_exhausted(failure, "nearly")
    # Re-sending stored events still answers with them: it needs no new number.
    assert store.append_events(stored) == stored
    assert store.append_event_with_sequence(stored[-1]) == stored[-1]


def test_inside_a_transaction_only_the_failed_append_is_undone(store, raw):
    import_up_to(store, "full", LAST)
    with store.transaction():
        store.append_event(new_event("other"))
        with pytest.raises(asm.AsmError) as failure:
            store.append_events([new_event("other"), new_event("full")])
        assert_exhausted(failure, "full")
        store.append_event(new_event("other"))
    assert [e.sequence_number for e in store.get_events("other")] == [1, 2]
