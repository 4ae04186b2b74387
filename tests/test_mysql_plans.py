"""MariaDB reaches asm_events through an index for the list filters, keyset pages and
maintenance deletes of queries/mysql (EXPLAIN over a few thousand seeded rows).

The shapes: DELETE/UPDATE joined to JSON_TABLE (MariaDB < 11.1 runs an IN subquery of a
single-table DELETE once per row), list filters bounded by the list's MIN/MAX (an IN under
`:list IS NULL OR` is never a semi-join), expanded keyset comparisons (MariaDB reads
`(a, b) > (x, y)` as no range at all), one statement per listed session (no LATERAL), counts of
listed sessions that name only indexed columns, and the token order on asm_runs_total_tokens_idx."""

import pytest

from asm.migrations import migrate
from bench import mysql_plans
from databases import connect_raw, create_database, drop_database

SESSIONS, HOT_EVENTS, EVENTS = 300, 2_000, 9_000


@pytest.fixture(scope="module")
def cur(tmp_path_factory):
    url = create_database("mysql", tmp_path_factory.mktemp("plans"))
    try:
        migrate(url)
        conn = connect_raw(url)
        mysql_plans.seed(conn, events=EVENTS, sessions=SESSIONS, hot_events=HOT_EVENTS)
        yield conn.cursor()
        conn.close()
    finally:
        drop_database("mysql", url)


@pytest.fixture(scope="module")
def sql():
    return mysql_plans.load(old=False)


def events_access(cur, sql, params):
    """EXPLAIN's access to the events table, e.g. 'e:range(asm_events_session_sequence_idx)'."""
    plan = mysql_plans.explain(cur, sql, params)
    (access,) = [part for part in plan.split(" ") if part.startswith(("e:", "t:", "asm_events:"))]
    assert "DEPENDENT" not in plan, plan
    return access


NONE = dict(run_ids=None, types=None, providers=None, since=None, until=None, correlation_id=None)
ONE_HOT = mysql_plans.ids([mysql_plans.sid(1)])


@pytest.mark.parametrize(("query", "params"), [
    ("search_events_sequence_asc",
     dict(NONE, session_ids=ONE_HOT, after_session_id=None, after_sequence=None, limit=100)),
    ("search_events_sequence_asc",
     dict(NONE, session_ids=ONE_HOT, types=mysql_plans.ids(["tool_call_started"]), after_session_id=mysql_plans.sid(1),
          after_sequence=HOT_EVENTS // 2, limit=100)),
    ("count_events", dict(NONE, session_ids=mysql_plans.ids([mysql_plans.sid(100)]))),
])
def test_a_session_list_filter_is_an_index_range(cur, sql, query, params):
    access = events_access(cur, sql[query], params)
    assert access.split(":")[1].startswith(("range", "ref")), access


@pytest.mark.parametrize(("query", "params"), [
    ("search_events_sequence_asc",
     dict(NONE, session_ids=None, after_session_id=mysql_plans.sid(1), after_sequence=HOT_EVENTS // 2, limit=20)),
    ("search_events_timestamp_asc",
     dict(NONE, session_ids=None, after_at="2025-01-01 01:00:00", after_id="e0003600", limit=20)),
    ("search_events_timestamp_desc",
     dict(NONE, session_ids=None, after_at="2025-01-01 01:00:00", after_id="e0003600", limit=20)),
])
def test_a_keyset_page_starts_at_its_cursor(cur, sql, query, params):
    access = events_access(cur, sql[query], params)
    assert access.split(":")[1].startswith("range"), access


@pytest.mark.parametrize(("query", "ids"), [
    ("delete_events_by_ids", [f"e{n:07d}" for n in range(4_000, 4_010)]),
    ("delete_events_of_sessions", [mysql_plans.sid(n) for n in range(100, 110)]),
])
def test_maintenance_deletes_look_up_each_listed_id(cur, sql, query, ids):
    access = events_access(cur, sql[query], {"ids": mysql_plans.ids(ids)})
    assert access.split(":")[1].startswith(("eq_ref", "ref")), access


def test_sessions_and_runs_keyset_pages_are_ranges(cur, sql):
    common = dict(agent_id=None, statuses=None, provider=None, tags=None, created_after=None, created_before=None,
                  include_deleted=0, after_at="2025-01-01 02:30:00", after_id=mysql_plans.sid(150), limit=20)
    for query in ("search_sessions_created_asc", "search_sessions_created_desc", "search_sessions_updated_desc"):
        plan = mysql_plans.explain(cur, sql[query], common)
        assert plan.startswith("s:range"), (query, plan)
    runs = dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None,
                min_tokens=None, after_at="2025-01-01 00:07:30", after_id="r000450", limit=20)
    for query in ("search_runs_started_asc", "search_runs_started_desc"):
        plan = mysql_plans.explain(cur, sql[query], runs)
        assert plan.startswith("r:range"), (query, plan)


def explain_rows(cur, sql, params):
    cur.execute("EXPLAIN " + sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


@pytest.mark.parametrize(("query", "params", "index"), [
    # The hot session s00001 holds events 2001..4000, one a second from 00:33:21.
    ("search_session_events_timestamp_asc",
     dict(NONE, session_id=mysql_plans.sid(1), after_at="2025-01-01 01:05:00", after_id="e0003900", limit=20),
     "asm_events_session_timestamp_idx"),
    ("search_session_events_timestamp_desc",
     dict(NONE, session_id=mysql_plans.sid(1), after_at="2025-01-01 00:35:00", after_id="e0002100", limit=20),
     "asm_events_session_timestamp_idx"),
    ("search_session_events_sequence_asc",
     dict(NONE, session_id=mysql_plans.sid(1), after_sequence=HOT_EVENTS - 100, limit=20),
     "asm_events_session_sequence_idx"),
])
def test_a_listed_session_is_read_from_its_cursor_in_the_pages_order(cur, sql, query, params, index):
    # One statement per listed session (MariaDB has no LATERAL): a range of the session's index
    # in the page's order, so LIMIT stops it, not a filesort of the whole session.
    (row,) = [r for r in explain_rows(cur, sql[query], params) if r["table"] == "e"]
    assert (row["type"], row["key"]) == ("range", index), row
    assert "filesort" not in (row["Extra"] or ""), row


@pytest.mark.parametrize("filters", [{}, {"types": mysql_plans.ids(["tool_call_started"])}])
def test_a_count_of_listed_sessions_reads_only_an_index(cur, sql, filters):
    # MariaDB takes every column a statement names as read: count_session_events names only
    # session_id and type on the counted side, so a session index covers it (was a full scan).
    params = dict(NONE, session_ids=mysql_plans.ids([mysql_plans.sid(1), mysql_plans.sid(100)]), **filters)
    (row,) = [r for r in explain_rows(cur, sql["count_session_events"], params) if r["table"] == "k"]
    assert row["type"] in ("ref", "range") and "Using index" in (row["Extra"] or ""), row


def test_a_count_of_listed_sessions_with_another_filter_still_reads_only_those_sessions(cur, sql):
    params = dict(NONE, session_ids=mysql_plans.ids([mysql_plans.sid(1)]), run_ids=mysql_plans.ids(["r000001"]))
    plan = mysql_plans.explain(cur, sql["count_session_events"], params)
    # A primary-key lookup per row of the listed sessions, for the filters the index lacks.
    assert plan.startswith(("k:ref", "k:range")) and "e:unique_subquery(PRIMARY) DEPENDENT" in plan, plan
    assert ":ALL" not in plan and ":index(" not in plan, plan


# The seed's runs hold total_tokens 1..900 (run number mod 5000).
@pytest.mark.parametrize("params", [
    dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None, min_tokens=None,
         after_tokens=60, after_id="r000050", limit=20),
    dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None, min_tokens=850,
         after_tokens=None, after_id=None, limit=20),
])
def test_the_token_order_and_min_tokens_are_ranges_of_the_total_tokens_index(cur, sql, params):
    plan = mysql_plans.explain(cur, sql["search_runs_tokens_desc"], params)
    assert plan.startswith("r:range(asm_runs_total_tokens_idx)"), plan
