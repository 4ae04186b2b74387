"""docs/behaviour.md#queries: the QueryAPI (`store.query`): filters, keyset pages, aggregation in SQL."""

from datetime import timedelta

import attrs
import pytest

import asm
import asm.query
from asm import Event, Run, Session

T0 = Session.new(agent_id="x").created_at - timedelta(days=1)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def walk(search, **filters):
    """Every item of every page, and the number of pages."""
    items, cursor, pages = [], None, 0
    while True:
        page = search(cursor=cursor, **filters)
        pages += 1
        items += getattr(page, "sessions", None) or getattr(page, "runs", None) or getattr(page, "events", None) or []
        assert page.has_more == (page.cursor is not None)
        if not page.has_more:
            return items, pages
        cursor = page.cursor


@pytest.fixture
def sessions(store):
    """Eight sessions of two agents; runs by two providers on some."""
    made = []
    for i in range(8):
        session = Session.new(id=f"s{i}", agent_id="a" if i < 5 else "b", status="active" if i % 2 else "completed",
                              tags=["x", "y"] if i % 3 == 0 else ["x"], created_at=at(i // 2),
                              updated_at=at(100 - i))
        store.save_session(session)
        made.append(session)
    store.save_run(Run.new(session_id="s1", provider="openai"))
    store.save_run(Run.new(session_id="s3", provider="anthropic"))
    return made


def ids(items):
    return [item.id for item in items]


def test_search_sessions_filters_combine(store, sessions):
    q = store.query
    assert q.search_sessions(with_total=True).total_count == 8
    assert ids(q.search_sessions(agent_id="a").sessions) == ["s0", "s1", "s2", "s3", "s4"]
    assert set(ids(q.search_sessions(status="active").sessions)) == {"s1", "s3", "s5", "s7"}
    assert set(ids(q.search_sessions(status=["active", asm.SessionStatus.COMPLETED]).sessions)) == set(ids(sessions))
    assert q.search_sessions(status=[], with_total=True).total_count == 8
    assert ids(q.search_sessions(provider="openai").sessions) == ["s1"]
    assert set(ids(q.search_sessions(tags=["x", "y"]).sessions)) == {"s0", "s3", "s6"}
    assert q.search_sessions(tags=["x"], with_total=True).total_count == 8
    assert q.search_sessions(tags=[], with_total=True).total_count == 8
    assert set(ids(q.search_sessions(created_after=at(1), created_before=at(2)).sessions)) == {"s2", "s3", "s4", "s5"}
    assert q.search_sessions(agent_id="a", status="active", tags=["y"], with_total=True).total_count == 1


def test_total_count_only_when_asked(store, sessions):
    # Counting reads every matching session: a page does not pay for it unless asked.
    q = store.query
    plain, counted = q.search_sessions(limit=3), q.search_sessions(limit=3, with_total=True)
    assert plain.total_count is None and counted.total_count == 8
    assert ids(plain.sessions) == ids(counted.sessions) and plain.cursor is not None and plain.has_more
    assert q.search_sessions(limit=3, cursor=plain.cursor, with_total=True).total_count == 8
    with pytest.raises(asm.ValidationError, match="with_total"):
        q.search_sessions(with_total=1)


def test_search_sessions_orders(store, sessions):
    q = store.query
    assert ids(q.search_sessions().sessions) == [f"s{i}" for i in range(8)]  # updated_at desc
    assert ids(q.search_sessions(order_by="created_at_asc").sessions) == [f"s{i}" for i in range(8)]
    assert ids(q.search_sessions(order_by="created_at_desc").sessions) == ["s7", "s6", "s5", "s4", "s3", "s2", "s1", "s0"]


def test_soft_deleted_sessions_only_with_include_deleted(store, sessions):
    store.save_session(attrs.evolve(sessions[0], deleted_at=at(200)))
    assert "s0" not in ids(store.query.search_sessions().sessions)
    assert store.query.search_sessions(with_total=True).total_count == 7
    assert "s0" in ids(store.query.search_sessions(include_deleted=True).sessions)


@pytest.mark.parametrize("order_by", ["updated_at_desc", "created_at_desc", "created_at_asc"])
def test_walking_session_pages_returns_every_row_once_in_order(store, sessions, order_by):
    walked, pages = walk(store.query.search_sessions, order_by=order_by, limit=3)
    assert ids(walked) == ids(store.query.search_sessions(order_by=order_by, limit=100).sessions)
    assert pages == 3 and len(set(ids(walked))) == 8


def test_rows_inserted_while_walking_do_not_disturb_the_walk(store, sessions):
    q = store.query
    first = q.search_sessions(order_by="created_at_asc", limit=3)
    store.save_session(Session.new(id="s_late", agent_id="a", created_at=at(99)))  # after everything
    store.save_session(Session.new(id="s_early", agent_id="a", created_at=at(-99)))  # before the cursor
    rest, _ = walk(q.search_sessions, order_by="created_at_asc", limit=3)
    continued = ids(first.sessions)
    cursor = first.cursor
    while cursor:
        page = q.search_sessions(order_by="created_at_asc", limit=3, cursor=cursor)
        continued += ids(page.sessions)
        cursor = page.cursor
    assert continued == [f"s{i}" for i in range(8)] + ["s_late"]
    assert ids(rest)[0] == "s_early"


def test_bad_cursors_and_arguments_are_refused(store, sessions):
    q = store.query
    cursor = q.search_sessions(limit=2).cursor
    for bad in (cursor[:-4], cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:], "nonsense"):
        with pytest.raises(asm.InvalidCursor):
            q.search_sessions(limit=2, cursor=bad)
    with pytest.raises(asm.InvalidCursor):  # another order
        q.search_sessions(order_by="created_at_asc", cursor=cursor)
    with pytest.raises(asm.InvalidCursor):  # another query
        q.search_runs(cursor=cursor)
    for bad in ({"limit": 0}, {"order_by": "random"}, {"include_deleted": "yes"}, {"tags": "x"},
                {"created_after": "2025-01-01"}):
        with pytest.raises(asm.ValidationError):
            q.search_sessions(**bad)
    with pytest.raises(asm.InvalidStatus):
        q.search_sessions(status="sleeping")


def test_a_page_limit_is_checked_up_to_the_64_bit_bound_on_every_search(store):
    """2**63 - 1 overflowed SQLite's binding (a raw OverflowError) and PostgreSQL's bigint: each
    page reads limit + 1 rows to tell has_more."""
    store.save_session(Session.new(agent_id="a", id="s1"))
    q = store.query
    for search in (q.search_sessions, q.search_runs, q.search_events):
        for bad in (2**63 - 1, 10**23, 0, -1, True, 1.0):
            with pytest.raises(asm.ValidationError, match="2\\*\\*63 - 2"):
                search(limit=bad)
        assert not search(limit=2**63 - 2).has_more


def usage(total, input=None, output=None):
    usage = {"total_tokens": total}
    if input is not None:
        usage["input_tokens"] = input
    if output is not None:
        usage["output_tokens"] = output
    return usage


@pytest.fixture
def runs(store):
    made = [
        Run.new(id="r0", session_id="s1", provider="openai", status="completed", started_at=at(0), token_usage=usage(100, 60, 40)),
        Run.new(id="r1", session_id="s1", provider="openai", status="failed", started_at=at(1), token_usage=usage(30, 10, 20)),
        Run.new(id="r2", session_id="s1", provider=None, status="completed", started_at=at(2), token_usage=usage("n/a", "x", True)),
        Run.new(id="r3", session_id="s2", provider="anthropic", status="running", started_at=at(3), token_usage=usage(100, 50, 50)),
        Run.new(id="r4", session_id="s2", provider="anthropic", status="completed", started_at=at(4), token_usage={}),
        Run.new(id="r5", session_id="s2", provider="openai", status="completed", started_at=at(5), token_usage=usage(7.5, 2.5, 5)),
    ]
    store.save_session(Session.new(id="s1", agent_id="a"))
    store.save_session(Session.new(id="s2", agent_id="b"))
    for run in made:
        store.save_run(run)
    return made


def test_search_runs_filters_and_orders(store, runs):
    q = store.query
    assert ids(q.search_runs().runs) == ["r5", "r4", "r3", "r2", "r1", "r0"]
    assert ids(q.search_runs(order_by="started_at_asc").runs) == ["r0", "r1", "r2", "r3", "r4", "r5"]
    # Ties (100 and 100; 0 for missing or non-numeric) fall back to id, descending.
    assert ids(q.search_runs(order_by="token_usage_desc").runs) == ["r3", "r0", "r1", "r5", "r4", "r2"]
    assert ids(q.search_runs(session_id="s1").runs) == ["r2", "r1", "r0"]
    assert ids(q.search_runs(provider="openai", status=["completed", "failed"]).runs) == ["r5", "r1", "r0"]
    assert ids(q.search_runs(min_tokens=30).runs) == ["r3", "r1", "r0"]
    assert ids(q.search_runs(started_after=at(1), started_before=at(3)).runs) == ["r3", "r2", "r1"]


@pytest.mark.parametrize("order_by", ["started_at_desc", "started_at_asc", "token_usage_desc"])
def test_walking_run_pages_returns_every_row_once_in_order(store, runs, order_by):
    walked, pages = walk(store.query.search_runs, order_by=order_by, limit=4)
    assert ids(walked) == ids(store.query.search_runs(order_by=order_by, limit=50).runs) and pages == 2


def test_usage_summary_sums_in_sql_counting_junk_as_zero(store, runs):
    summary = store.query.get_usage_summary()
    assert (summary.total_input_tokens, summary.total_output_tokens, summary.total_tokens, summary.run_count) == (
        122.5, 115, 237.5, 6)
    assert summary.by_provider == {
        "openai": asm.query.ProviderUsage(input_tokens=72.5, output_tokens=65, total_tokens=137.5, run_count=3),
        "anthropic": asm.query.ProviderUsage(input_tokens=50, output_tokens=50, total_tokens=100, run_count=2),
        "unknown": asm.query.ProviderUsage(input_tokens=0, output_tokens=0, total_tokens=0, run_count=1),
    }
    assert isinstance(summary.by_provider["anthropic"].total_tokens, int)
    assert store.query.get_usage_summary(session_id="s1").total_tokens == 130
    assert store.query.get_usage_summary(agent_id="b", provider="anthropic").run_count == 2
    assert store.query.get_usage_summary(since=at(1), until=at(3)).run_count == 3
    assert store.query.get_usage_summary(agent_id="nobody") == asm.query.UsageSummary(0, 0, 0, 0, {})


def test_session_stats(store, runs):
    store.append_events([Event.new(type="message_sent", session_id="s1", timestamp=at(10 + i)) for i in range(3)])
    stats = store.query.get_session_stats("s1")
    assert (stats.event_count, stats.run_count) == (3, 3)
    assert stats.token_totals == {"input_tokens": 70, "output_tokens": 60, "total_tokens": 130}
    assert stats.providers_used == ["openai"]
    assert (stats.first_event_at, stats.last_event_at) == (at(10), at(12))
    assert stats.status_counts == {"completed": 2, "failed": 1}
    empty = store.query.get_session_stats("s2")
    assert empty.event_count == 0 and empty.first_event_at is None and empty.providers_used == ["anthropic", "openai"]
    with pytest.raises(asm.SessionNotFound):
        store.query.get_session_stats("nobody")


@pytest.fixture
def log(store):
    events = []
    for i in range(9):
        events.append(Event.new(id=f"e{i}", type="tool_call_started" if i % 3 == 0 else "message_sent",
                                session_id=f"s{i % 3}", run_id=f"r{i % 2}", timestamp=at(i),
                                provider="openai" if i < 4 else None, correlation_id="c1" if i in (2, 5) else None))
    return store.append_events(events)


def test_search_events_filters_and_counts(store, log):
    q = store.query
    assert q.count_events() == 9
    assert ids(q.search_events().events) == ["e0", "e3", "e6", "e1", "e4", "e7", "e2", "e5", "e8"]
    assert ids(q.search_events(session_ids=["s1"]).events) == ["e1", "e4", "e7"]
    assert ids(q.search_events(session_ids="s1", run_ids=["r0"]).events) == ["e4"]
    assert ids(q.search_events(types=["tool_call_started"], order_by="timestamp_asc").events) == ["e0", "e3", "e6"]
    assert ids(q.search_events(providers=["openai"], order_by="timestamp_desc").events) == ["e3", "e2", "e1", "e0"]
    assert ids(q.search_events(since=at(2), until=at(4), order_by="timestamp_asc").events) == ["e2", "e3", "e4"]
    assert ids(q.search_events(correlation_id="c1", order_by="timestamp_asc").events) == ["e2", "e5"]
    assert q.count_events(session_ids=["s0", "s2"], types="message_sent") == 3  # s0 holds the tool calls
    assert q.count_events(session_ids=[], types=[]) == 9


@pytest.mark.parametrize("order_by", ["sequence_asc", "timestamp_asc", "timestamp_desc"])
def test_walking_event_pages_returns_every_row_once_in_order(store, log, order_by):
    walked, pages = walk(store.query.search_events, order_by=order_by, limit=4)
    assert ids(walked) == ids(store.query.search_events(order_by=order_by).events) and pages == 3


def test_filter_values_are_data_never_sql(store, sessions):
    hostile = "a' OR '1'='1"
    assert store.query.search_sessions(agent_id=hostile, with_total=True).total_count == 0
    assert store.query.search_sessions(tags=[hostile], with_total=True).total_count == 0
    assert store.query.count_events(session_ids=[hostile, "x); DROP TABLE asm_events; --"]) == 0
    assert store.query.search_sessions(with_total=True).total_count == 8


def test_a_total_that_is_no_json_number_counts_as_zero(store):
    # One rule on every dialect (asm_token_count, the generated columns): only a JSON number counts.
    store.save_session(Session.new(id="s1", agent_id="a"))
    totals = {"n0": 3, "n1": "500", "n2": {"total": 9}, "n3": [7], "n4": None, "n5": True, "n6": 2.5}
    for i, (run_id, total) in enumerate(totals.items()):
        store.save_run(Run.new(id=run_id, session_id="s1", provider="p", started_at=at(i),
                               token_usage={"total_tokens": total, "input_tokens": total, "output_tokens": total}))
    store.save_run(Run.new(id="n7", session_id="s1", provider="p", started_at=at(9), token_usage={}))
    q = store.query
    assert ids(q.search_runs(min_tokens=1).runs) == ["n6", "n0"]
    assert ids(q.search_runs(min_tokens=0, order_by="token_usage_desc").runs) == [
        "n0", "n6", "n7", "n5", "n4", "n3", "n2", "n1"]
    walked, pages = walk(q.search_runs, order_by="token_usage_desc", limit=3)  # cursors inside the zeros
    assert ids(walked) == ["n0", "n6", "n7", "n5", "n4", "n3", "n2", "n1"] and pages == 3
    walked, _ = walk(q.search_runs, order_by="token_usage_desc", session_id="s1", limit=2)
    assert ids(walked) == ["n0", "n6", "n7", "n5", "n4", "n3", "n2", "n1"]
    summary = q.get_usage_summary(session_id="s1")
    assert (summary.total_tokens, summary.total_input_tokens, summary.total_output_tokens) == (5.5, 5.5, 5.5)
    assert q.get_session_stats("s1").token_totals == {"input_tokens": 5.5, "output_tokens": 5.5, "total_tokens": 5.5}


@pytest.fixture
def sessions_log(store):
    """Events of four sessions with interleaved and tied timestamps: s_hot holds most of them,
    s_tie shares every timestamp of s_hot's first events, s_late comes after everything."""
    events = []
    for i in range(14):
        events.append(Event.new(id=f"h{i:02d}", type="tool_call_started" if i % 3 == 0 else "message_sent",
                                session_id="s_hot", run_id=f"r{i % 2}", timestamp=at(i), provider="openai"))
    for i in range(5):
        events.append(Event.new(id=f"t{i:02d}", type="message_sent", session_id="s_tie", run_id="r0",
                                timestamp=at(i), correlation_id="c" if i == 2 else None))
    for i in range(4):
        events.append(Event.new(id=f"c{i:02d}", type="tool_call_started", session_id="s_cold", timestamp=at(2 * i + 0.5)))
    events.append(Event.new(id="z00", type="message_sent", session_id="s_late", timestamp=at(100)))
    return store.append_events(events)


@pytest.mark.parametrize("order_by", ["sequence_asc", "timestamp_asc", "timestamp_desc"])
@pytest.mark.parametrize("filters", [
    {},
    {"types": ["tool_call_started"]},
    {"run_ids": ["r0"], "providers": ["openai"]},
    {"since": at(1), "until": at(6)},
    {"until": at(3)},
    {"correlation_id": "c"},
])
def test_a_session_list_pages_like_the_filtered_global_order(store, sessions_log, order_by, filters):
    # With session_ids each listed session is read on its own (per-session top-N; one statement
    # per session on MySQL): the pages must be the global order's, restricted to those sessions.
    q = store.query
    everything, _ = walk(q.search_events, order_by=order_by, limit=100, **filters)
    for listed in (["s_hot"], ["s_tie", "s_hot", "s_tie"], ["s_cold", "s_hot", "s_tie", "s_late", "nobody"]):
        expected = [e.id for e in everything if e.session_id in listed]
        for limit in (1, 4):
            walked, pages = walk(q.search_events, session_ids=listed, order_by=order_by, limit=limit, **filters)
            assert ids(walked) == expected, (listed, limit)
            assert pages == max(1, -(-len(expected) // limit))
        assert q.count_events(session_ids=listed, **filters) == len(expected)


def test_session_list_cursors_continue_inside_and_across_sessions(store, sessions_log):
    q = store.query
    first = q.search_events(session_ids=["s_hot", "s_tie"], order_by="timestamp_asc", limit=5)
    rest = q.search_events(session_ids=["s_hot", "s_tie"], order_by="timestamp_asc", cursor=first.cursor)
    assert ids(first.events) == ["h00", "t00", "h01", "t01", "h02"]
    assert ids(rest.events)[:3] == ["t02", "h03", "t03"]
    by_sequence = q.search_events(session_ids=["s_tie", "s_hot"], limit=15)
    assert ids(by_sequence.events)[-2:] == ["h13", "t00"] and by_sequence.has_more
    assert ids(q.search_events(session_ids=["s_tie", "s_hot"], cursor=by_sequence.cursor).events) == [
        "t01", "t02", "t03", "t04"]


@pytest.mark.parametrize("order_by", ["sequence_asc", "timestamp_asc", "timestamp_desc"])
def test_a_session_listed_twice_is_read_once(store, sessions_log, order_by):
    # MySQL's utf8mb4_bin pads with spaces: there "s_hot " is s_hot (elsewhere no session at all).
    q = store.query
    expected = ids(q.search_events(session_ids=["s_hot"], order_by=order_by).events)
    for listed in (["s_hot", "s_hot"], ["s_hot", "s_hot "], ["s_hot ", "s_tie", "s_hot"]):
        walked, _ = walk(q.search_events, session_ids=listed, order_by=order_by, limit=5)
        assert [i for i in ids(walked) if i.startswith("h")] == expected, listed
        assert len(set(ids(walked))) == len(walked), listed
