"""Hostile input, generated (hypothesis): payloads, ids, filter values and cursors. Every call
either succeeds and round-trips exactly, or raises an asm error (a ValidationError for bad
input); never a raw driver error, never a partial write. SQL-looking text is plain data.

The default run tries a few dozen examples per test; `pytest -m stress` runs the same
properties with many more."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payload_cases import INT64_MAX, INT64_MIN, MAX_DEPTH, nested

import asm
from asm.records import text_problem

QUICK = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
STRESS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

INJECTIONS = [
    "'; DROP TABLE asm_events; --", '" OR 1=1 --', "' OR '1'='1", "\\", "\\'", "\\\\x", "%s", "%(id)s",
    "%", "_", "?", ":name", ":1", "$1", "$$", "\x00", "%00", "*/ /*", "`", "]]", "{}", "null", "\\u0000",
    "a' UNION SELECT * FROM asm_sessions --", "\ud800", "😀", "x" * 255, "é" * 255, "😀" * 255, "x" * 256, "",
    "\x1f", "a\x0bb",  # MariaDB's JSON_QUOTE escapes these as \u001F, \u000B
]
HOSTILE_CHARS = st.sampled_from(list("'\"\\%_?:$`;-*/\x00\x01\n\t ") + ["\ud800", "\udfff", "é", "😀", "\u202e", "\ufeff"])
TEXT = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(HOSTILE_CHARS, max_size=12),
    st.text(st.characters(), max_size=12),  # any code point but surrogates
    st.text(st.characters(categories=["Cs", "Cc", "Lo"]), max_size=6),  # surrogates and controls
)
INTS = st.one_of(
    st.integers(),
    st.sampled_from([INT64_MAX, INT64_MIN, INT64_MAX + 1, INT64_MIN - 1, 2**53 + 1, -(2**53) - 1, 2**64, 0]),
)
FLOATS = st.one_of(st.floats(), st.sampled_from([5e-324, -0.0, 1e300, 1.7976931348623157e308, 1e16, 1.5e-7]))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=16)
PAYLOADS = st.one_of(
    st.dictionaries(TEXT, JSON, max_size=5),
    st.integers(MAX_DEPTH - 2, MAX_DEPTH + 2).map(nested),
    st.builds(lambda leaf, depth: nested(depth, leaf), JSON, st.integers(MAX_DEPTH - 3, MAX_DEPTH)),
)


def storable(value, depth: int = 0) -> bool:
    """Whether a JSON value passes the payload rules (docs/behaviour.md#json-payload-rules, README "JSON")."""
    if isinstance(value, str):
        return text_problem(value) is None
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return INT64_MIN <= value <= INT64_MAX
    if isinstance(value, float):
        return math.isfinite(value)
    if depth + 1 > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(storable(item, depth + 1) for item in value)
    return all(storable(k) and storable(v, depth + 1) for k, v in value.items())


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        # -0.0 == 0.0 here: PostgreSQL's jsonb numbers have no negative zero (noted, not fixed).
        return a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def count(raw, table: str, session_id: str) -> int:
    return raw.scalar(f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", session_id)


# -- payloads ----------------------------------------------------------------------------------


def check_payloads(store, raw, data, metadata):
    session_id = f"ses_{uuid.uuid4().hex}"
    event = asm.Event.new(type="message_sent", session_id=session_id, data=data, metadata=metadata)
    if storable(data) and storable(metadata):
        stored = store.append_event_with_sequence(event)
        (read,) = store.get_events(session_id)
        assert same(read.data, data) and same(read.metadata, metadata)
        assert same(stored.data, data) and same(stored.metadata, metadata)
    else:
        with pytest.raises(asm.ValidationError):
            store.append_event_with_sequence(event)
        assert count(raw, "asm_events", session_id) == 0
        assert count(raw, "asm_session_sequences", session_id) == 0


@QUICK
@given(data=PAYLOADS, metadata=PAYLOADS)
def test_payloads_round_trip_exactly_or_are_refused(store, raw, data, metadata):
    check_payloads(store, raw, data, metadata)


@pytest.mark.stress
@STRESS
@given(data=PAYLOADS, metadata=PAYLOADS)
def test_payloads_round_trip_exactly_or_are_refused_many(store, raw, data, metadata):
    check_payloads(store, raw, data, metadata)


def check_batch(store, raw, payloads, use_flush):
    session_id = f"ses_{uuid.uuid4().hex}"
    events = [asm.Event.new(type="message_sent", session_id=session_id, data=p) for p in payloads]
    session = asm.Session.new(id=session_id, agent_id="a")
    run = asm.Run.new(session_id=session_id)

    def write():
        if use_flush:
            store.flush(asm.ExecutionResult(session=session, run=run, events=events))
        else:
            store.append_events(events)

    if all(storable(p) for p in payloads):
        write()
        assert all(same(e.data, p) for e, p in zip(store.get_events(session_id), payloads, strict=True))
        return
    with pytest.raises(asm.ValidationError):
        write()
    for table in ("asm_events", "asm_session_sequences", "asm_runs"):
        assert count(raw, table, session_id) == 0, table
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions WHERE id = ?", session_id) == 0


@QUICK
@given(payloads=st.lists(PAYLOADS, min_size=1, max_size=4), use_flush=st.booleans())
def test_a_batch_with_a_bad_payload_writes_nothing(store, raw, payloads, use_flush):
    check_batch(store, raw, payloads, use_flush)


@pytest.mark.stress
@STRESS
@given(payloads=st.lists(PAYLOADS, min_size=1, max_size=6), use_flush=st.booleans())
def test_a_batch_with_a_bad_payload_writes_nothing_many(store, raw, payloads, use_flush):
    check_batch(store, raw, payloads, use_flush)


# -- ids and filters ---------------------------------------------------------------------------


def valid_id(value: str) -> bool:
    return 0 < len(value) <= 255 and text_problem(value) is None


def valid_provider(value: str) -> bool:
    """A record's provider may be empty (an id filter may not)."""
    return len(value) <= 255 and text_problem(value) is None


def check_ids_and_filters(store, raw, sid, rid, eid, agent, tag, provider, correlation):
    raw.clean()
    writes = [
        (lambda: store.save_session(asm.Session.new(id=sid, agent_id=agent, tags=[tag])),
         valid_id(sid) and valid_id(agent) and text_problem(tag) is None),
        (lambda: store.save_run(asm.Run.new(id=rid, session_id=sid, provider=provider)),
         valid_id(rid) and valid_id(sid) and valid_provider(provider)),
        (lambda: store.append_event(asm.Event.new(id=eid, type="tool_call_started", session_id=sid, run_id=rid,
                                                  provider=provider, correlation_id=correlation)),
         valid_id(eid) and valid_id(sid) and valid_id(rid) and valid_provider(provider) and valid_id(correlation)),
    ]
    for write, ok in writes:
        if ok:
            write()
        else:
            with pytest.raises(asm.ValidationError):
                write()
    saved_session, saved_run, saved_event = (ok for _, ok in writes)
    for table in ("asm_sessions", "asm_runs", "asm_events"):
        expected = {"asm_sessions": saved_session, "asm_runs": saved_run, "asm_events": saved_event}[table]
        assert raw.scalar(f"SELECT COUNT(*) FROM {table}") == int(expected), table

    reads = [
        (lambda: store.get_session(sid).agent_id, valid_id(sid), agent if saved_session else asm.SessionNotFound),
        (lambda: store.get_run(rid).provider, valid_id(rid), provider if saved_run else asm.RunNotFound),
        (lambda: [e.id for e in store.get_events(sid, run_id=rid)], valid_id(sid) and valid_id(rid),
         [eid] if saved_event else []),
        (lambda: [s.id for s in store.query.search_sessions(agent_id=agent, tags=[tag]).sessions],
         valid_id(agent) and text_problem(tag) is None, [sid] if saved_session else []),
        (lambda: [r.id for r in store.query.search_runs(session_id=sid, provider=provider).runs],
         valid_id(sid) and valid_id(provider), [rid] if saved_run else []),
        (lambda: [e.id for e in store.query.search_events(session_ids=[sid], run_ids=[rid], providers=[provider],
                                                          correlation_id=correlation).events],
         valid_id(sid) and valid_id(rid) and valid_id(provider) and valid_id(correlation), [eid] if saved_event else []),
        (lambda: store.query.count_events(session_ids=[sid], correlation_id=correlation),
         valid_id(sid) and valid_id(correlation), int(saved_event)),
        (lambda: store.query.get_usage_summary(agent_id=agent, provider=provider).run_count,
         valid_id(agent) and valid_id(provider), int(saved_session and saved_run)),
        (lambda: store.get_latest_sequence(sid), valid_id(sid), int(saved_event)),
        (lambda: store.artifacts.get_by_key(sid), valid_id(sid), None),
    ]
    for read, ok, expected in reads:
        if not ok:
            with pytest.raises(asm.ValidationError):
                read()
        elif isinstance(expected, type):
            with pytest.raises(expected):
                read()
        else:
            assert read() == expected


IDS = dict(sid=TEXT, rid=TEXT, eid=TEXT, agent=TEXT, tag=TEXT, provider=TEXT, correlation=TEXT)


@QUICK
@given(**IDS)
def test_ids_and_filter_values_are_plain_data(store, raw, sid, rid, eid, agent, tag, provider, correlation):
    check_ids_and_filters(store, raw, sid, rid, eid, agent, tag, provider, correlation)


@pytest.mark.stress
@STRESS
@given(**IDS)
def test_ids_and_filter_values_are_plain_data_many(store, raw, sid, rid, eid, agent, tag, provider, correlation):
    check_ids_and_filters(store, raw, sid, rid, eid, agent, tag, provider, correlation)


@pytest.mark.parametrize("text", [t for t in INJECTIONS if valid_id(t)])
def test_sql_in_every_id_and_filter_is_stored_and_matched_as_data(store, raw, text):
    """Each injection string as every id and filter at once, next to a row that must not match."""
    check_ids_and_filters(store, raw, text, text, text, text, text, text, text)
    near = "~" + text[:254]  # no injection string starts with ~
    other = asm.Session.new(id=near, agent_id=near, tags=[near])
    store.save_session(other)
    assert [s.id for s in store.query.search_sessions(agent_id=text).sessions] == [text]
    assert [s.id for s in store.query.search_sessions(tags=[text]).sessions] == [text]
    assert store.get_session(near) == other
    for table in ("asm_sessions", "asm_runs", "asm_events", "asm_session_sequences"):
        assert raw.scalar(f"SELECT COUNT(*) FROM {table}") >= 1, "no table was dropped or emptied"


# -- get_events filters ------------------------------------------------------------------------

COUNTS = st.one_of(st.none(), st.integers(-3, 8), st.sampled_from([INT64_MAX, INT64_MAX + 1, 2**80, True, 1.0, "1"]))
SINCE = st.one_of(st.none(), st.datetimes(timezones=st.just(timezone.utc)), st.datetimes(),
                  st.sampled_from(["2024-01-01", 0]))
TYPES = st.one_of(st.none(), st.sampled_from(["message_sent", "tool_call_started", "nope", "'; --", "", 1, []]),
                  st.lists(st.sampled_from(["message_sent", "run_failed", asm.EventType.TOOL_CALL_STARTED]), max_size=3))


@pytest.fixture
def five_events(store):
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    events = store.append_events([
        asm.Event.new(type=t, session_id="ses_f", run_id=r, timestamp=base + timedelta(hours=i))
        for i, (t, r) in enumerate([("message_sent", "r1"), ("tool_call_started", "r2"), ("message_sent", None),
                                    ("run_failed", "r1"), ("tool_call_started", "r1")])
    ])
    return events


def expected_events(events, run_id, type, since, after, before, limit):
    types = None if type is None else [type] if isinstance(type, str) else list(type)
    found = [e for e in events
             if (run_id is None or e.run_id == run_id) and (not types or e.type in types)
             and (since is None or e.timestamp >= since) and (after is None or e.sequence_number > after)
             and (before is None or e.sequence_number < before)]
    return found if limit is None else found[:limit]


def is_count(value) -> bool:
    return value is None or (type(value) is int and 0 <= value <= INT64_MAX)


def check_get_events(store, events, run_id, type, since, after, before, limit):
    valid = (all(is_count(v) for v in (after, before, limit))
             and (since is None or (isinstance(since, datetime) and since.tzinfo is not None))
             and (type is None or all(t in asm.EventType._value2member_map_
                                      for t in ([type] if isinstance(type, str) else type if isinstance(type, list)
                                                else [object()]))))
    call = lambda: store.get_events("ses_f", run_id=run_id, type=type, since=since,
                                    after=after, before=before, limit=limit)
    if valid:
        got = call()
        assert [e.id for e in got] == [e.id for e in expected_events(events, run_id, type, since, after, before, limit)]
    else:
        with pytest.raises(asm.ValidationError):
            call()


@QUICK
@given(run_id=st.sampled_from([None, "r1", "r2", "r9"]), type=TYPES, since=SINCE, after=COUNTS, before=COUNTS,
       limit=COUNTS)
def test_get_events_filters_match_or_are_refused(store, five_events, run_id, type, since, after, before, limit):
    check_get_events(store, five_events, run_id, type, since, after, before, limit)


@pytest.mark.stress
@STRESS
@given(run_id=st.sampled_from([None, "r1", "r2", "r9"]), type=TYPES, since=SINCE, after=COUNTS, before=COUNTS,
       limit=COUNTS)
def test_get_events_filters_match_or_are_refused_many(store, five_events, run_id, type, since, after, before, limit):
    check_get_events(store, five_events, run_id, type, since, after, before, limit)


def test_bounds_out_of_the_usual_range(store, five_events):
    early = datetime(69, 1, 1, tzinfo=timezone.utc)  # MySQL read "69-01-01" as 2069
    assert len(store.get_events("ses_f", since=early)) == 5
    assert store.query.count_events(since=early) == 5
    assert store.query.count_events(until=early) == 0
    for name in ("after", "before", "limit"):
        assert store.get_events("ses_f", **{name: INT64_MAX}) == (five_events if name != "after" else [])
        with pytest.raises(asm.ValidationError):  # was a raw OverflowError on SQLite
            store.get_events("ses_f", **{name: INT64_MAX + 1})


# -- cursors -----------------------------------------------------------------------------------


@pytest.fixture
def cursors(store):
    for i in range(3):
        store.save_session(asm.Session.new(agent_id="a", id=f"ses_{i}"))
        store.save_run(asm.Run.new(session_id=f"ses_{i}", id=f"run_{i}"))
        store.append_event(asm.Event.new(type="message_sent", session_id=f"ses_{i}"))
    query = store.query
    searches = {
        "sessions": lambda cursor: [s.id for s in query.search_sessions(limit=1, cursor=cursor).sessions],
        "runs": lambda cursor: [r.id for r in query.search_runs(limit=1, cursor=cursor).runs],
        "events": lambda cursor: [e.id for e in query.search_events(limit=1, cursor=cursor).events],
    }
    firsts = {
        "sessions": query.search_sessions(limit=1).cursor,
        "runs": query.search_runs(limit=1).cursor,
        "events": query.search_events(limit=1).cursor,
    }
    return searches, firsts


def check_cursor(searches, firsts, name, mutate, position, char):
    search, cursor = searches[name], firsts[name]
    tampered = {
        "replace": lambda c: c[:position % len(c)] + char + c[position % len(c) + 1:],
        "truncate": lambda c: c[:position % len(c)],
        "append": lambda c: c + char,
        "other-query": lambda c: firsts[{"sessions": "runs", "runs": "events", "events": "sessions"}[name]],
        "random": lambda c: char * (position % 40),
    }[mutate](cursor)
    try:
        got = search(tampered)
    except asm.InvalidCursor:
        return
    except asm.ValidationError:
        assert tampered == "" or not isinstance(tampered, str)
        return
    # Base64 ignores some bits of its last character: a change there reads as the same cursor.
    assert got == search(cursor) or tampered == "", (tampered, cursor)


CURSOR_CHARS = st.one_of(st.sampled_from(["=", "-", "_", "+", "/", "A", "a", "0", "\x00", "\ud800", "é", " ", "%"]),
                         st.characters())


@QUICK
@given(name=st.sampled_from(["sessions", "runs", "events"]),
       mutate=st.sampled_from(["replace", "truncate", "append", "other-query", "random"]),
       position=st.integers(0, 500), char=CURSOR_CHARS)
def test_tampered_or_random_cursors_are_invalid_cursor_errors(cursors, name, mutate, position, char):
    check_cursor(*cursors, name, mutate, position, char)


@pytest.mark.stress
@STRESS
@given(name=st.sampled_from(["sessions", "runs", "events"]),
       mutate=st.sampled_from(["replace", "truncate", "append", "other-query", "random"]),
       position=st.integers(0, 500), char=CURSOR_CHARS)
def test_tampered_or_random_cursors_are_invalid_cursor_errors_many(cursors, name, mutate, position, char):
    check_cursor(*cursors, name, mutate, position, char)


@pytest.mark.parametrize("cursor", [0, b"abc", ["x"], {"a": 1}, "🙂", "\x00", "\ud800", "a" * 100_000, "e30", "null"])
def test_cursors_that_are_not_even_strings_of_a_cursor(store, cursor):
    for search in (store.query.search_sessions, store.query.search_runs, store.query.search_events):
        with pytest.raises(asm.ValidationError):
            search(cursor=cursor)


def test_ids_differing_only_in_trailing_spaces_or_case_are_different(store, dialect):
    if dialect == "mysql":
        # utf8mb4_bin pads with spaces: 'a' and 'a ' are one key. Needs a NO PAD collation
        # (a migration); known, not fixed yet.
        pytest.xfail("MySQL/MariaDB compare ids with PAD SPACE")
    for id in ("a", "a ", "A", "a\t"):
        store.save_session(asm.Session.new(id=id, agent_id=id))
        store.append_event(asm.Event.new(id=id, type="message_sent", session_id=id))
    for id in ("a", "a ", "A", "a\t"):
        assert store.get_session(id).agent_id == id
        assert [e.id for e in store.get_events(id)] == [id]
        assert [s.id for s in store.query.search_sessions(agent_id=id).sessions] == [id]
