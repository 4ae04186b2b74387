"""SQLite reaches its tables through the index each QueryAPI query is written for (EXPLAIN QUERY
PLAN over a few thousand seeded rows, with statistics as migrate and maintenance leave them).

SQLite plans a statement once, blind to the parameter values, so `:x IS NULL OR col = :x` can
never use an index on col: keyset cursors are written as ranges that hold even without a cursor,
a session (or correlation) filter gets a UNION ALL branch of its own, and a session list is read
per listed session (a correlated `rowid IN (... LIMIT)`)."""

import sqlite3

import pytest

import asm
from asm.sql.files import load_queries

SESSIONS, EVENTS, RUNS = 100, 6_000, 3_000
EVENT = dict(session_ids=None, run_ids=None, types=None, providers=None, since=None, until=None,
             correlation_id=None)
RUN = dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None, min_tokens=None)
SESSION = dict(agent_id=None, statuses=None, provider=None, tags=None, created_after=None, created_before=None,
               include_deleted=0)
STAMP = "strftime('%Y-%m-%dT%H:%M:%S', 1735689600 + {}, 'unixepoch') || '.000000Z'"


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    asm.migrate(f"sqlite:///{path}")
    conn = sqlite3.connect(path, isolation_level=None)
    seed(conn)
    yield conn
    conn.close()


def seed(conn) -> None:
    numbers = "WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM q WHERE n < {})"
    conn.execute(f"""
        INSERT INTO asm_sessions (id, agent_id, created_at, updated_at)
        {numbers.format(SESSIONS)}
        SELECT 's' || printf('%04d', n), 'agent-' || n % 10, {STAMP.format('n * 60')}, {STAMP.format('n * 61')} FROM q""")
    conn.execute(f"""
        INSERT INTO asm_runs (id, session_id, status, started_at, provider, token_usage)
        {numbers.format(RUNS)}
        SELECT 'r' || printf('%06d', n), 's' || printf('%04d', 1 + n % {SESSIONS}), 'completed', {STAMP.format('n')},
               'openai', json_object('total_tokens', n % 500) FROM q""")
    conn.execute(f"""
        INSERT INTO asm_events (id, type, timestamp, session_id, run_id, sequence_number, provider, correlation_id)
        {numbers.format(EVENTS)}
        SELECT 'e' || printf('%06d', n), CASE WHEN n % 6 = 0 THEN 'tool_call' ELSE 'message_sent' END,
               {STAMP.format('n')}, 's' || printf('%04d', 1 + n % {SESSIONS}), 'r000001', 1 + n / {SESSIONS}, 'openai',
               CASE WHEN n % 100 = 0 THEN 'c' || n END FROM q""")
    conn.execute("PRAGMA analysis_limit = 1000")
    conn.execute("ANALYZE")


def plan(conn, query: str, params: dict) -> list[str]:
    sql = getattr(load_queries("sqlite", "sqlite3"), query).sql
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_session_cursors_are_index_ranges_with_or_without_a_cursor(conn):
    for query, detail in (("search_sessions_updated_desc", "asm_sessions_updated_at_idx ((updated_at,id)<(?,?))"),
                          ("search_sessions_created_desc",
                           "asm_sessions_created_at_idx (created_at>? AND (created_at,id)<(?,?))"),
                          ("search_sessions_created_asc",
                           "asm_sessions_created_at_idx ((created_at,id)>(?,?) AND created_at<?)")):
        for cursor in (dict(after_at=None, after_id=None), dict(after_at="2025-01-01T01:00:00.000000Z", after_id="s0060")):
            found = plan(conn, query, dict(SESSION, **cursor, limit=51))
            # The branch without an agent filter; the one with (skipped at once here) reads the agent's index.
            assert f"SEARCH asm_sessions USING INDEX {detail}" in found, (query, found)
            assert any("USING INDEX asm_sessions_agent_" in line for line in found), (query, found)


@pytest.mark.parametrize(("query", "session_index", "global_index"), [
    ("search_runs_started_desc",
     "asm_runs_session_id_started_at_idx (session_id=? AND started_at>? AND (started_at,id)<(?,?))",
     "asm_runs_started_at_idx (started_at>? AND (started_at,id)<(?,?))"),
    ("search_runs_started_asc",
     "asm_runs_session_id_started_at_idx (session_id=? AND (started_at,id)>(?,?) AND started_at<?)",
     "asm_runs_started_at_idx ((started_at,id)>(?,?) AND started_at<?)"),
    ("search_runs_tokens_desc", "asm_runs_session_id_started_at_idx (session_id=?)",
     "asm_runs_total_tokens_idx ((total_tokens,id)<(?,?))"),
])
def test_a_run_search_has_a_branch_for_a_session_and_one_for_none(conn, query, session_index, global_index):
    cursor = dict(after_tokens=None) if query.endswith("tokens_desc") else dict(after_at=None)
    details = plan(conn, query, dict(RUN, session_id="s0007", **cursor, after_id=None, limit=51))
    assert "MERGE (UNION ALL)" in details, details
    assert f"SEARCH asm_runs USING INDEX {session_index}" in details, details
    assert f"SEARCH asm_runs USING INDEX {global_index}" in details, details
    assert not [d for d in details if d.startswith("SCAN asm_runs")], details


def test_usage_of_a_session_reads_the_sessions_runs(conn):
    details = plan(conn, "usage_by_provider", dict(session_id="s0007", agent_id=None, provider=None, since=None, until=None))
    assert "SEARCH r USING INDEX asm_runs_session_id_started_at_idx (session_id=?)" in details, details


@pytest.mark.parametrize(("query", "index"), [
    ("search_events_sequence_asc", "asm_events_session_sequence_idx ((session_id,sequence_number)>(?,?))"),
    ("search_events_timestamp_asc", "asm_events_timestamp_idx ((timestamp,id)>(?,?) AND timestamp<?)"),
    ("search_events_timestamp_desc", "asm_events_timestamp_idx (timestamp>? AND (timestamp,id)<(?,?))"),
])
def test_a_global_event_search_starts_at_its_cursor_and_reads_a_correlation_id_from_its_index(conn, query, index):
    cursor = (dict(after_session_id=None, after_sequence=None) if query.endswith("sequence_asc")
              else dict(after_at=None, after_id=None))
    details = plan(conn, query, dict(EVENT, **cursor, limit=101))
    assert f"SEARCH asm_events USING INDEX {index}" in details, details
    assert "SEARCH asm_events USING INDEX asm_events_correlation_idx (correlation_id=?)" in details, details
    assert not [d for d in details if d.startswith("SCAN asm_events")], details


@pytest.mark.parametrize(("query", "index"), [
    ("search_session_events_sequence_asc", "asm_events_session_sequence_idx (session_id=? AND sequence_number>?)"),
    ("search_session_events_timestamp_asc",
     "asm_events_session_timestamp_idx (session_id=? AND (timestamp,id)>(?,?) AND timestamp<?)"),
    ("search_session_events_timestamp_desc",
     "asm_events_session_timestamp_idx (session_id=? AND timestamp>? AND (timestamp,id)<(?,?))"),
])
def test_a_session_list_reads_each_session_from_the_cursor(conn, query, index):
    cursor = (dict(after_session_id="s0003", after_sequence=10) if query.endswith("sequence_asc")
              else dict(after_at="2025-01-01T00:30:00.000000Z", after_id="e001800"))
    details = plan(conn, query, dict(EVENT, session_ids='["s0003", "s0050"]', **cursor, limit=101))
    assert "CORRELATED LIST SUBQUERY" in " ".join(details), details
    assert f"SEARCH p USING INDEX {index}" in details, details
    assert not [d for d in details if d.startswith(("SCAN asm_events", "SCAN e", "SCAN p"))], details


def test_counts_of_listed_sessions_and_of_a_correlation_id_read_their_index(conn):
    details = plan(conn, "count_session_events", dict(EVENT, session_ids='["s0003"]', types='["tool_call"]'))
    assert [d for d in details if d.startswith("SEARCH e USING INDEX") and "(session_id=?" in d], details
    assert not [d for d in details if d.startswith("SCAN e")], details
    details = plan(conn, "count_events", dict(EVENT, correlation_id="c100"))
    assert "SEARCH e USING INDEX asm_events_correlation_idx (correlation_id=?)" in details, details
