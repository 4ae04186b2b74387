"""PostgreSQL reaches asm_events and asm_runs through the index each QueryAPI query is written for
(EXPLAIN over 60,000 seeded events and runs): per-session top-N with a session list (LATERAL over
asm_events_session_timestamp_idx), counts of listed sessions, and the token order served by
asm_runs_total_tokens_idx. Times are measured in bench/, not here."""

import json
import re

import psycopg
import pytest

import asm
from asm.sql.files import load_queries
from databases import create_database, drop_database

SESSIONS, EVENTS, RUNS = 300, 60_000, 60_000
HOT = "s0001"  # a tenth of the events
EVENT = dict(run_ids=None, types=None, providers=None, since=None, until=None, correlation_id=None)
RUN = dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None, min_tokens=None)


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    url = create_database("postgres", tmp_path_factory.mktemp("plans"))
    try:
        asm.migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            seed(conn)
            yield conn
    finally:
        drop_database("postgres", url)


def seed(conn) -> None:
    """Sessions s0000.., runs spread over them, events: the first tenth in HOT, the rest round robin."""
    hot = EVENTS // 10
    conn.execute("""
        INSERT INTO asm_sessions (id, agent_id, created_at, updated_at)
        SELECT 's' || lpad(n::text, 4, '0'), 'agent-' || n %% 10, timestamptz '2025-01-01Z' + n * interval '1 minute',
               timestamptz '2025-01-01Z' + n * interval '1 minute'
        FROM generate_series(0, %s - 1) AS n""", [SESSIONS])
    conn.execute("""
        INSERT INTO asm_runs (id, session_id, status, started_at, provider, token_usage)
        SELECT 'r' || lpad(n::text, 6, '0'), 's' || lpad((n %% %s)::text, 4, '0'), 'completed',
               timestamptz '2025-01-01Z' + n * interval '1 second', 'openai', jsonb_build_object('total_tokens', n %% 5000)
        FROM generate_series(1, %s) AS n""", [SESSIONS, RUNS])
    conn.execute("""
        INSERT INTO asm_events (id, type, session_id, run_id, sequence_number, timestamp, provider)
        SELECT 'e' || lpad(n::text, 6, '0'), CASE WHEN n %% 6 = 0 THEN 'tool_call' ELSE 'message_sent' END,
               CASE WHEN n <= %s THEN %s ELSE 's' || lpad((2 + n %% (%s - 2))::text, 4, '0') END, 'r000001',
               CASE WHEN n <= %s THEN n ELSE n / (%s - 2) END, timestamptz '2025-01-01Z' + n * interval '1 second',
               'openai'
        FROM generate_series(1, %s) AS n""", [hot, HOT, SESSIONS, hot, SESSIONS, EVENTS])
    conn.execute("ANALYZE")


def plan_of(conn, query: str, params: dict) -> dict:
    sql = getattr(load_queries("postgres", "psycopg"), query).sql
    (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]


def nodes(plan: dict) -> list[dict]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


def scans(plan: dict) -> list[tuple[str, str | None, str]]:
    """(node type, index, index condition) of every node reading a table or an index of one (a
    bitmap scan is two nodes: the heap, then its index)."""
    return [(n["Node Type"], n.get("Index Name"), n.get("Index Cond", "")) for n in nodes(plan)
            if n.get("Relation Name") in ("asm_events", "asm_runs")
            or n.get("Index Name", "").startswith(("asm_events", "asm_runs"))]


def index_reads(plan: dict) -> list[tuple[str, str]]:
    """(index, condition) of every index read; a sequential scan fails the test."""
    found = scans(plan)
    assert "Seq Scan" not in [kind for kind, _, _ in found], found
    return [(index, cond) for kind, index, cond in found if index]


@pytest.mark.parametrize("query", ["search_session_events_timestamp_asc", "search_session_events_timestamp_desc"])
@pytest.mark.parametrize("cursor", [dict(after_at=None, after_id=None),
                                    dict(after_at="2025-01-01T00:50:00Z", after_id="e003000")])
def test_a_session_list_reads_each_sessions_timestamp_range(conn, query, cursor):
    plan = plan_of(conn, query, dict(EVENT, session_ids=[HOT, "s0100"], **cursor, limit=101))
    ((index, cond),) = index_reads(plan)
    assert index == "asm_events_session_timestamp_idx" and re.search(r"session_id\)::text = \(*s\.id", cond), cond
    if cursor["after_at"]:
        assert 'ROW("timestamp", (id)::text)' in cond, cond  # the cursor starts the range
    assert "Nested Loop" in [n["Node Type"] for n in nodes(plan)]


@pytest.mark.parametrize("cursor", [dict(after_session_id=None, after_sequence=None),
                                    dict(after_session_id=HOT, after_sequence=3000)])
def test_a_session_list_in_sequence_order_starts_each_range_at_the_cursor(conn, cursor):
    plan = plan_of(conn, "search_session_events_sequence_asc", dict(EVENT, session_ids=["s0100", HOT], **cursor,
                                                                     limit=101))
    ((index, cond),) = index_reads(plan)
    assert index == "asm_events_session_sequence_idx" and "sequence_number >" in cond, cond


def test_the_global_timestamp_index_serves_searches_without_a_session_list(conn):
    plan = plan_of(conn, "search_events_timestamp_desc",
                   dict(EVENT, session_ids=None, after_at="2025-01-01T00:50:00Z", after_id="e003000", limit=101))
    assert [index for index, _ in index_reads(plan)] == ["asm_events_timestamp_idx"]


@pytest.mark.parametrize("filters", [{}, {"types": ["tool_call"]}, {"since": "2025-01-01T01:00:00Z"}])
def test_counting_listed_sessions_reads_their_index_ranges(conn, filters):
    reads = index_reads(plan_of(conn, "count_session_events", dict(EVENT, session_ids=[HOT, "s0100"], **filters)))
    assert reads and all("session_id" in cond for _, cond in reads), reads


@pytest.mark.parametrize("params", [
    dict(RUN, after_tokens=None, after_id=None, limit=51),
    dict(RUN, after_tokens=2500, after_id="r030000", limit=51),
    dict(RUN, min_tokens=4990, after_tokens=None, after_id=None, limit=51),
])
def test_the_token_order_reads_the_total_tokens_index(conn, params):
    reads = index_reads(plan_of(conn, "search_runs_tokens_desc", params))
    assert [index for index, _ in reads] == ["asm_runs_total_tokens_idx"], reads
    if params["after_tokens"] is not None or params["min_tokens"] is not None:
        assert reads[0][1], reads  # a range, not a walk from the top


def test_a_rare_min_tokens_is_a_range_of_the_total_tokens_index(conn):
    reads = index_reads(plan_of(conn, "search_runs_started_desc", dict(RUN, min_tokens=4998, after_at=None,
                                                                         after_id=None, limit=51)))
    assert [index for index, _ in reads] == ["asm_runs_total_tokens_idx"], reads


@pytest.fixture(scope="module")
def icu_url(tmp_path_factory):
    """A database whose default collation is ICU's en-US ('a' < 'B'), unlike asm's ids (COLLATE "C")."""
    url = create_database("postgres", tmp_path_factory.mktemp("icu"))
    name = url.rpartition("/")[2]
    with psycopg.connect(url.rpartition("/")[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name}")
        admin.execute(f"CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0")
    try:
        asm.migrate(url)
        yield url
    finally:
        drop_database("postgres", url)


def test_a_session_list_goes_in_bytewise_id_order_whatever_the_database_collation(icu_url):
    # The listed ids arrive as plain text (the database's collation): they are compared and sorted
    # as the ids are, bytewise ("B" before "a"), or the pages would skip sessions.
    store = asm.connect(icu_url)
    try:
        for session_id in ("a1", "B1", "Z1"):
            store.append_events([asm.Event.new(type="message_sent", session_id=session_id) for _ in range(2)])
        listed = ["a1", "Z1", "B1"]
        seen, cursor = [], None
        while True:
            page = store.query.search_events(session_ids=listed, limit=1, cursor=cursor)
            seen += [(e.session_id, e.sequence_number) for e in page.events]
            if not page.has_more:
                break
            cursor = page.cursor
        assert seen == [("B1", 1), ("B1", 2), ("Z1", 1), ("Z1", 2), ("a1", 1), ("a1", 2)]
        assert [e.session_id for e in store.query.search_events(limit=10).events] == ["B1", "B1", "Z1", "Z1",
                                                                                      "a1", "a1"]
    finally:
        store.close()
