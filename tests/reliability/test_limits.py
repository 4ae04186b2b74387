"""The event payload size limit (`max_event_bytes`): an event whose `data` or `metadata` JSON
text is longer than the store's limit (UTF-8 bytes) is a ValidationError naming the field,
raised before any SQL runs, on every write path; exactly at the limit passes."""

from __future__ import annotations

import json

import attrs
import pytest

import asm
from asm import SessionExport

MIB = 1_048_576
SQL_RUN = "SQL ran"


def payload(size: int, *, fill: str = "a") -> dict:
    """A payload whose compact JSON text is exactly `size` UTF-8 bytes (`fill` is 1 to 4 bytes)."""
    width = len(fill.encode())
    overhead = len(b'{"x":""}')
    count, rest = divmod(size - overhead, width)
    value = {"x": fill * count + "b" * rest}
    assert len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()) == size
    return value


def event(session_id: str = "ses_limit", field: str = "data", size: int = 10, **options) -> asm.Event:
    return asm.Event.new(type="message_sent", session_id=session_id, **{field: payload(size, **options)})


def spy_queries(store) -> list[str]:
    """The names of the queries the store runs from now on (every named query goes through
    the executor's `_query`)."""
    executor = store._executor
    ran: list[str] = []
    original = executor._query

    def query(name):
        ran.append(name)
        return original(name)

    executor._query = query
    return ran


def flush(store, events):
    session = asm.Session.new(id="ses_limit", agent_id="a")
    run = asm.Run.new(session_id=session.id)
    store.flush(asm.ExecutionResult(session=session, run=run, events=events))


def import_events(store, events):
    session = asm.Session.new(id="ses_limit", agent_id="a")
    numbered = [attrs.evolve(e, sequence_number=n) for n, e in enumerate(events, 1)]
    store.query.import_session(SessionExport(session=session, runs=[], events=numbered))


WRITES = {
    "append_event": (lambda store, events: store.append_event(events[-1]), ""),
    "append_event_with_sequence": (lambda store, events: store.append_event_with_sequence(events[-1]), ""),
    "append_events": (lambda store, events: store.append_events(events), "events[{i}]."),
    "flush": (flush, "events[{i}]."),
    "import_session": (import_events, "events[{i}]."),
}


def assert_nothing_stored(raw):
    for table in ("asm_events", "asm_session_sequences", "asm_sessions", "asm_runs"):
        assert raw.scalar(f"SELECT COUNT(*) FROM {table}") == 0, table


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("field", ["data", "metadata"])
def test_one_byte_over_a_custom_limit_fails_before_any_sql(raw, connect, write, field):
    limit = 300
    store = connect(raw.url, max_event_bytes=limit)
    call, prefix = WRITES[write]
    # In a batch, a valid event first: it is not written either.
    events = [event(size=limit), event(field=field, size=limit + 1, fill="€")] if prefix else \
             [event(field=field, size=limit + 1, fill="€")]
    ran = spy_queries(store)
    with pytest.raises(asm.ValidationError) as info:
        call(store, events)
    name = prefix.format(i=len(events) - 1) + field
    assert info.value.details == {"field": name, "size_bytes": limit + 1, "max_event_bytes": limit}
    assert name in str(info.value) and info.value.code == "validation_error"
    assert ran == [], SQL_RUN
    assert_nothing_stored(raw)


@pytest.mark.parametrize("write", WRITES)
def test_exactly_at_a_custom_limit_is_stored(raw, connect, write):
    limit = 301
    store = connect(raw.url, max_event_bytes=limit)
    call, _ = WRITES[write]
    events = [asm.Event.new(type="message_sent", session_id="ses_limit",
                            data=payload(limit, fill="😀"), metadata=payload(limit, fill="é"))]
    ran = spy_queries(store)
    call(store, events)
    assert ran, "the spy sees the queries that run"
    (stored,) = store.get_events("ses_limit")
    assert (stored.data, stored.metadata) == (events[0].data, events[0].metadata)


def test_the_default_limit_is_one_mebibyte(raw, connect):
    store = connect(raw.url)
    at_limit = event(size=MIB, fill="ж")
    assert store.append_event_with_sequence(at_limit).data == at_limit.data
    with pytest.raises(asm.ValidationError) as info:
        store.append_events([event(field="metadata", size=MIB + 1)])
    assert info.value.details == {"field": "events[0].metadata", "size_bytes": MIB + 1, "max_event_bytes": MIB}
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 1
    assert store.get_latest_sequence("ses_limit") == 1


def test_none_means_no_limit_and_each_store_has_its_own(raw, connect):
    unlimited = connect(raw.url, max_event_bytes=None)
    small = connect(raw.url, max_event_bytes=100)
    big = event(size=MIB + 1)
    unlimited.append_event(big)
    assert unlimited.get_events("ses_limit")[0].data == big.data
    with pytest.raises(asm.ValidationError):
        small.append_event(event(size=101))
    small.append_event(event(size=100))
    # Reads are not limited: the small store reads what the unlimited one wrote.
    assert [e.data for e in small.get_events("ses_limit")] == [big.data, payload(100)]


def test_an_export_too_big_for_the_importing_store(raw, connect):
    unlimited = connect(raw.url, max_event_bytes=None)
    unlimited.save_session(asm.Session.new(id="ses_limit", agent_id="a"))
    unlimited.append_events([event(size=50), event(size=2_000)])
    export = SessionExport.from_json(unlimited.query.export_session("ses_limit").to_json())
    unlimited.delete_session("ses_limit")

    small = connect(raw.url, max_event_bytes=1_000)
    with pytest.raises(asm.ValidationError) as info:
        small.query.import_session(export)
    assert info.value.details["field"] == "events[1].data"
    assert_nothing_stored(raw)
    unlimited.query.import_session(export)
    assert [e.data for e in small.get_events("ses_limit")] == [e.data for e in export.events]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1024", True])
def test_a_bad_limit_is_a_validation_error(raw, connect, bad):
    with pytest.raises(asm.ValidationError) as info:
        connect(raw.url, max_event_bytes=bad)
    assert info.value.details == {"field": "max_event_bytes"}
