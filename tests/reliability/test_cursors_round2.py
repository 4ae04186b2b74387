"""Crafted keyset cursors, round 2 (issue #14 item 5).

Anyone who reads asm's source can build a cursor: the round-1 format carried an unkeyed
SHA-256 prefix, and without a store secret today's HMAC key is built in. So a cursor's tag
proves nothing about its values: every value is checked by its kind (timestamp, id, uuid,
sequence number, token sum) before it reaches SQL, and whatever is wrong with a cursor (its
base64, its JSON, its tag, its layout or one value) is an InvalidCursor, never a raw
ValueError, OverflowError, UnicodeEncodeError or a StorageReadFailed from the driver. A cursor
whose values are all valid gives a page, even at the ends of their ranges.

The cursors here are written by hand, as an attacker would: in the round-1 format, in the
current format signed with the built-in key, and with a forged tag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asm
from asm import cursors
from asm.graph import GraphSession

QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
STRESS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

GRAPH_ID = str(uuid.UUID("6f1c2a8e-4b3d-4c2f-9a7e-0d5b8c9e1f20"))

# query name -> the kinds of its sort key (what asm writes into that query's cursors)
QUERIES = {
    "sessions:updated_at_desc": ("timestamp", "id"),
    "sessions:created_at_desc": ("timestamp", "id"),
    "sessions:created_at_asc": ("timestamp", "id"),
    "runs:started_at_desc": ("timestamp", "id"),
    "runs:started_at_asc": ("timestamp", "id"),
    "runs:token_usage_desc": ("tokens", "id"),
    "events:sequence_asc": ("id", "sequence"),
    "events:timestamp_asc": ("timestamp", "id"),
    "events:timestamp_desc": ("timestamp", "id"),
    "graph_sessions:created_at_asc": ("timestamp", "uuid"),
}

# A valid value of each kind, as JSON text.
GOOD = {"timestamp": '"2025-06-10T17:30:48.727954Z"', "id": '"ses_1"', "uuid": f'"{GRAPH_ID}"',
        "sequence": "1", "tokens": "5"}

# Values of each kind that no row can have, as JSON text (so 1e400 and 5,000 digits stay literal).
BAD = {
    "timestamp": ['"abc"', '""', "5", "null", "true", '["x"]', '"2025-06-10"', '"2025-06-10T17:30:48"',
                  '"2025-06-10T17:30:48.727954Z\\u0000"', '"0001-01-01T00:30:00.000000+01:00"',
                  '"9999-12-31T23:59:59.999999-01:00"', '"2025-06-10T17:30:48.727954\\ud800Z"'],
    "id": ['""', '"a\\u0000b"', '"\\u0000"', '"\\ud800"', '"x\\udfff"', json.dumps("x" * 256), "5", "null", "{}",
           "true", "[]"],
    "uuid": ['"not-a-uuid"', '""', '"\\u0000"', json.dumps(GRAPH_ID.upper()), json.dumps("{" + GRAPH_ID + "}"),
             json.dumps(GRAPH_ID.replace("-", "")), "7", "null"],
    "sequence": ["-1", str(2**63), str(2**64), str(-(2**63) - 1), '"1"', "1.0", "true", "null", "5" * 5000,
                 "1e400", "NaN"],
    "tokens": ['"abc"', '"1e5"', '"5"', json.dumps("5" * 5000), "5" * 5000, "1e400", "-1e400", "NaN", "Infinity",
               "-Infinity", "true", "null", str(2**63), str(-(2**63) - 1), "[1]"],
}

# Values at the ends of each kind's range: a cursor of them gives a page.
EDGES = {
    "timestamp": ['"0001-01-01T00:00:00.000000Z"', '"9999-12-31T23:59:59.999999Z"', '"1970-01-01T00:00:00.000000Z"'],
    "id": [json.dumps("x" * 255), json.dumps("😀" * 255), json.dumps("\x01" * 255), json.dumps('"\\' * 127),
           json.dumps("é")],
    "uuid": ['"00000000-0000-0000-0000-000000000000"', '"ffffffff-ffff-ffff-ffff-ffffffffffff"'],
    "sequence": ["0", str(2**63 - 1)],
    "tokens": ["0", str(2**63 - 1), str(-(2**63)), "1.7976931348623157e+308", "-1.7976931348623157e+308", "5e-324",
               "1e5", "0.1", "-0.0"],
}


def b64(text: str | bytes) -> str:
    data = text if isinstance(text, bytes) else text.encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def body(query: str, values: list[str], version: object = 2) -> str:
    """The cursor body `[version, query, [values...]]`, values given as JSON text."""
    return f"[{json.dumps(version)},{json.dumps(query)},[{','.join(values)}]]"


def round1(text: str) -> str:
    """The round-1 format: a SHA-256 prefix anyone can compute."""
    return b64(json.dumps([text, hashlib.sha256(text.encode()).hexdigest()[:16]]))


def signed(text: str, secret: str | None = None) -> str:
    """The current format, with the tag asm computes for this secret (None: the built-in key)."""
    tag = hmac.new(cursors.cursor_key(secret), text.encode(), hashlib.sha256).hexdigest()[:32]
    return b64(json.dumps([text, tag]))


def forged(text: str) -> str:
    """The current layout with a tag made without the key."""
    return b64(json.dumps([text, hashlib.sha256(text.encode()).hexdigest()[:32]]))


def with_value(query: str, position: int, value: str, version: int = 2) -> str:
    values = [GOOD[kind] for kind in QUERIES[query]]
    values[position] = value
    return body(query, values, version)


def bad_bodies(query: str, version: int = 2) -> list[str]:
    """Bodies of this query with one bad value, or a bad layout."""
    kinds = QUERIES[query]
    good = [GOOD[kind] for kind in kinds]
    texts = [with_value(query, i, value, version) for i, kind in enumerate(kinds) for value in BAD[kind]]
    texts += [
        body(query, good[:1]), body(query, good + good[:1]), body(query, []),  # wrong number of values
        body(query, good, version=1), body(query, good, version=3), body(query, good, version="2"),
        f"[2,{json.dumps(query)},{{}}]", f"[2,{json.dumps(query)}]", f"[2,{json.dumps(query)},[{good[0]},{good[1]}],1]",
        "{}", "null", "[]", '"x"', "", "[" * 3000 + "]" * 3000, f"[2,{json.dumps(query)},[{good[0]},{good[1]}]",
    ]
    return texts


@pytest.fixture
def searches(store, graph):
    """query name -> search(cursor) returning the ids of one page, on a store holding one row of each."""
    store.save_session(asm.Session.new(agent_id="a", id="ses_1"))
    store.save_run(asm.Run.new(session_id="ses_1", id="run_1", token_usage={"total_tokens": 5}))
    store.append_event(asm.Event.new(type="message_sent", session_id="ses_1"))
    graph.save(GraphSession.new(id=GRAPH_ID, graph_id="g", current_task_id="start"))
    q = store.query
    table = {}
    for name in QUERIES:
        kind, order = name.split(":")
        if kind == "sessions":
            table[name] = lambda c, o=order: [s.id for s in q.search_sessions(order_by=o, limit=1, cursor=c).sessions]
        elif kind == "runs":
            table[name] = lambda c, o=order: [r.id for r in q.search_runs(order_by=o, limit=1, cursor=c).runs]
        elif kind == "events":
            table[name] = lambda c, o=order: [e.id for e in q.search_events(order_by=o, limit=1, cursor=c).events]
        else:
            table[name] = lambda c: [s.id for s in graph.list(limit=1, cursor=c).sessions]
    return table


def refused(search, cursor) -> str | None:
    """None when `search(cursor)` raises InvalidCursor, else what happened instead."""
    try:
        got = search(cursor)
    except asm.InvalidCursor:
        return None
    except Exception as exc:  # noqa: BLE001 - the point is to name any other exception
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return f"a page {got}"


def page_or_refused(search, cursor) -> None:
    try:
        assert isinstance(search(cursor), list)
    except asm.InvalidCursor:
        pass


@pytest.mark.parametrize("query", QUERIES)
def test_round1_cursors_are_refused_whatever_they_hold(searches, query):
    """The issue's cursors: round-1 format, valid digest, bad values (and good ones: version 1 is gone)."""
    kinds = QUERIES[query]
    texts = bad_bodies(query, version=1) + [body(query, [GOOD[kind] for kind in kinds], version=1)]
    failures = {text[:90]: why for text in texts if (why := refused(searches[query], round1(text)))}
    assert not failures


@pytest.mark.parametrize("query", QUERIES)
def test_signed_cursors_with_bad_values_or_layout_are_invalid_cursor(searches, query):
    """Signed with the built-in key, as anyone can: the values are checked, not trusted."""
    failures = {text[:90]: why for text in bad_bodies(query) if (why := refused(searches[query], signed(text)))}
    assert not failures


@pytest.mark.parametrize("query", QUERIES)
def test_cursors_with_a_forged_tag_are_invalid_cursor(searches, query):
    good = body(query, [GOOD[kind] for kind in QUERIES[query]])
    assert isinstance(searches[query](signed(good)), list)  # the same body, properly signed, is a page
    other_secret = b64(json.dumps([good, hmac.new(b"another key", good.encode(), hashlib.sha256).hexdigest()[:32]]))
    edited = signed(good)[:-2] + ("AA" if signed(good)[-2:] != "AA" else "BB")
    for cursor in (forged(good), other_secret, edited, b64(json.dumps([good, ""])), b64(json.dumps([good, None])),
                   b64(json.dumps([good, "\ud800"])), b64(json.dumps([good])), b64(json.dumps(good))):
        assert refused(searches[query], cursor) is None, cursor


@pytest.mark.parametrize("query", QUERIES)
def test_values_at_the_ends_of_their_ranges_give_a_page(searches, query):
    kinds = QUERIES[query]
    for position, kind in enumerate(kinds):
        for value in EDGES[kind]:
            cursor = signed(with_value(query, position, value))
            assert isinstance(searches[query](cursor), list), value


@pytest.mark.parametrize("cursor", ["", "=", "====", "A", "AAAA", "abc!def", "a b", "YQ", "e30", "W10", "bnVsbA",
                                    "\x00", "\ud800", "é", "A" * 5000, "%41%41", "AA==AA", "+/+/"])
def test_strings_that_are_no_cursor_are_invalid_cursor(searches, cursor):
    failures = {name: why for name, search in searches.items() if (why := refused(search, cursor))}
    assert not failures


def test_the_error_shows_the_cursor_without_raw_control_characters(searches):
    with pytest.raises(asm.InvalidCursor) as caught:
        searches["sessions:updated_at_desc"]("bad\x00\ud800\ncursor" + "x" * 200)
    shown = caught.value.details["cursor"]
    assert len(shown) <= 80 and "\x00" not in shown and "\ud800" not in shown and "\n" not in shown
    shown.encode("ascii")  # printable anywhere, a log line or a terminal


def test_cursors_of_real_rows_page_through_extreme_ids(store):
    """The longest ids, of characters JSON escapes, make cursors that page like any other."""
    ids = ["😀" * 255, "\x01" * 255, '"\\' * 127, "x" * 255, "é"]
    for id in ids:
        store.save_session(asm.Session.new(agent_id="a", id=id))
        store.append_event(asm.Event.new(type="message_sent", session_id=id))
    for search, order, field in ((store.query.search_sessions, "created_at_asc", "sessions"),
                                 (store.query.search_events, "sequence_asc", "events")):
        seen, cursor = [], None
        while True:
            page = search(order_by=order, limit=1, cursor=cursor)
            seen += getattr(page, field)
            if (cursor := page.cursor) is None:
                break
        assert len(seen) == len(ids), field


def test_cursors_of_real_rows_page_through_extreme_token_sums(store):
    """Token sums a run can hold (ints of 64 bits, any finite float) page in order on every dialect;
    a whole float of 1e300 used to become a 301-digit int that SQLite cannot bind."""
    store.save_session(asm.Session.new(agent_id="a", id="ses_t"))
    totals = [1e300, -1e300, 2**63 - 1, -(2**63), 1.5, 0.1, 5e-324, 0, 1.7976931348623157e308, 2**53 + 1, "n/a"]
    for i, total in enumerate(totals):
        store.save_run(asm.Run.new(session_id="ses_t", id=f"run_{i:02}", token_usage={"total_tokens": total}))
    seen, cursor = [], None
    while True:
        page = store.query.search_runs(order_by="token_usage_desc", limit=1, cursor=cursor)
        seen += [r.id for r in page.runs]
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [r.id for r in store.query.search_runs(order_by="token_usage_desc", limit=100).runs]
    assert sorted(seen) == [f"run_{i:02}" for i in range(len(totals))]


# -- generated: any string, any signed JSON ---------------------------------------------------

ANY_TEXT = st.one_of(st.text(max_size=60), st.from_regex(r"[A-Za-z0-9_=-]{0,120}", fullmatch=True),
                     st.text(st.characters(categories=["Cs", "Cc"]), max_size=8))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30, 5e-324, 1e300]),
                    st.text(max_size=8), st.sampled_from(["", "\x00", "\ud800", "x" * 256, GRAPH_ID,
                                                          "2025-06-10T17:30:48.727954Z", "1e5", "abc"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4),
                                                                                               inner, max_size=3),
                           max_leaves=6)


def check_any_string(searches, query, text, encode):
    cursor = {"as is": text, "base64": b64(text.encode("utf-8", "surrogatepass"))}[encode]
    page_or_refused(searches[query], cursor)


def check_any_values(searches, query, values):
    page_or_refused(searches[query], signed(json.dumps([2, query, values])))


@QUICK
@given(query=st.sampled_from(list(QUERIES)), text=ANY_TEXT, encode=st.sampled_from(["as is", "base64"]))
def test_any_string_is_a_page_or_invalid_cursor(searches, query, text, encode):
    check_any_string(searches, query, text, encode)


@QUICK
@given(query=st.sampled_from(list(QUERIES)), values=st.lists(JSON_VALUES, min_size=2, max_size=2) | JSON_VALUES)
def test_any_signed_values_are_a_page_or_invalid_cursor(searches, query, values):
    check_any_values(searches, query, values)


@pytest.mark.stress
@STRESS
@given(query=st.sampled_from(list(QUERIES)), text=ANY_TEXT, encode=st.sampled_from(["as is", "base64"]))
def test_any_string_is_a_page_or_invalid_cursor_many(searches, query, text, encode):
    check_any_string(searches, query, text, encode)


@pytest.mark.stress
@STRESS
@given(query=st.sampled_from(list(QUERIES)), values=st.lists(JSON_VALUES, min_size=2, max_size=2) | JSON_VALUES)
def test_any_signed_values_are_a_page_or_invalid_cursor_many(searches, query, values):
    check_any_values(searches, query, values)


# -- a store secret ---------------------------------------------------------------------------

def test_a_store_secret_signs_cursors_that_only_stores_with_that_secret_accept(raw, connect):
    for i in range(3):
        connect(raw.url).save_session(asm.Session.new(agent_id="a", id=f"ses_{i}"))
    first = connect(raw.url, cursor_secret="s3cret-of-this-service")
    cursor = first.query.search_sessions(limit=1).cursor
    # another worker of the same service (same secret) continues the listing
    assert len(connect(raw.url, cursor_secret="s3cret-of-this-service").query.search_sessions(
        limit=1, cursor=cursor).sessions) == 1
    for other in (connect(raw.url), connect(raw.url, cursor_secret="another secret")):
        with pytest.raises(asm.InvalidCursor):
            other.query.search_sessions(limit=1, cursor=cursor)
    # a cursor forged with the built-in key is refused by the store with a secret
    forged_cursor = signed(body("sessions:updated_at_desc", [GOOD["timestamp"], GOOD["id"]]))
    with pytest.raises(asm.InvalidCursor):
        first.query.search_sessions(limit=1, cursor=forged_cursor)


def test_a_graph_storage_secret_signs_its_list_cursors(raw, connect):
    from asm.graph import GraphSession

    storage = connect(raw.url, kind="graph", cursor_secret=b"graph secret")
    for _ in range(2):
        storage.save(GraphSession.new(graph_id="g", current_task_id="t"))
    cursor = storage.list(limit=1).cursor
    same = connect(raw.url, kind="graph", cursor_secret=b"graph secret")
    assert len(same.list(limit=1, cursor=cursor).sessions) == 1
    with pytest.raises(asm.InvalidCursor):
        connect(raw.url, kind="graph").list(limit=1, cursor=cursor)
