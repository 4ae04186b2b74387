"""Plans that went wrong at 1M events (`python -m bench scale`), pinned on a small database by
recreating the condition that misled the planner. Each failed before its fix."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import asm
from asm.explain import plans
from databases import DIALECTS, connect_raw, create_database, drop_database, execute

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def query(dialect, name):
    (found,) = [q for q in plans.named_queries(dialect) if q.name == name]
    return found


@pytest.fixture
def sqlite_at_scale(tmp_path):
    """A migrated SQLite file whose statistics are those ANALYZE wrote over 20,000 sessions: SQLite
    counts NULLs as distinct values, so deleted_at looks like a selective column."""
    url = create_database("sqlite", tmp_path)
    asm.migrate(url)
    conn = connect_raw(url)
    try:
        execute("sqlite", conn, "ANALYZE")
        execute("sqlite", conn, "DELETE FROM sqlite_stat1 WHERE tbl = 'asm_sessions'")
        for idx, stat in [("asm_sessions_deleted_at_idx", "21298 4"), ("asm_sessions_updated_at_idx", "16779 1 1"),
                          ("asm_sessions_created_at_idx", "16779 1 1"), ("asm_sessions_agent_id_idx", "20793 334"),
                          ("asm_sessions_status_idx", "21756 667"), ("sqlite_autoindex_asm_sessions_1", "13446 1")]:
            execute("sqlite", conn, "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('asm_sessions', ?, ?)",
                    (idx, stat))
        conn.commit()
        execute("sqlite", conn, "ANALYZE sqlite_schema")  # reload the statistics
        yield conn
    finally:
        conn.close()
        drop_database("sqlite", url)


@pytest.mark.parametrize(("name", "params"), [
    ("expired_session_ids", {"created_before": None, "completed_before": NOW, "terminal_statuses": ["completed"],
                             "exempt_statuses": None, "exempt_tags": None, "after_id": "", "limit": 100}),
    ("soft_delete_sessions", {"ids": ["ses_1"], "now": NOW}),
])
def test_sqlite_retention_does_not_read_live_sessions_through_the_deleted_at_index(sqlite_at_scale, name, params):
    """At 1M events expired_session_ids read every live session through deleted_at IS NULL
    (17.7 ms, 0.43 ms by primary key)."""
    plan = plans.explain(sqlite_at_scale, "sqlite", query("sqlite", name), params)
    assert "asm_sessions_deleted_at_idx" not in plan.verdict, plan.lines


@pytest.fixture
def postgres_conn(tmp_path):
    url = create_database("postgres", tmp_path)
    asm.migrate(url)
    conn = connect_raw(url)
    try:
        yield conn
    finally:
        conn.close()
        drop_database("postgres", url)


def test_a_session_pruned_to_the_limit_is_cleared_without_walking_its_events(postgres_conn):
    """Its counter is above the limit, but its lowest number shows it holds no more than the
    limit: the max_events + 1 entry walk never runs (at 1M it read 50k entries per session)."""
    conn = postgres_conn
    execute("postgres", conn, "INSERT INTO asm_sessions (id, agent_id) VALUES ('ses_1', 'agent')")
    execute("postgres", conn, "INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ('ses_1', 50)")
    execute("postgres", conn, """INSERT INTO asm_events (id, type, session_id, sequence_number, data)
                                 SELECT 'evt_' || n, 'message', 'ses_1', n, '{}' FROM generate_series(11, 50) AS n""")
    conn.commit()
    params = {"max_events": 40, "after_session_id": "", "limit": 100}
    assert plans.fetch(conn, "postgres", "sessions_over_event_limit", **params) == []
    plan = plans.explain(conn, "postgres", query("postgres", "sessions_over_event_limit"), params, analyze=True)
    walks = [line for line in plan.lines if "Index Only Scan" in line]
    assert len(walks) == 2, plan.lines
    assert sum("loops=0" in line or "never executed" in line for line in walks) == 1, plan.lines
    execute("postgres", conn, "DELETE FROM asm_events WHERE sequence_number = 11")
    execute("postgres", conn, "UPDATE asm_session_sequences SET last_sequence = 52")  # 39 events in 12..50
    conn.commit()
    assert plans.fetch(conn, "postgres", "sessions_over_event_limit", **{**params, "max_events": 38}) == [
        {"session_id": "ses_1"}]


def test_a_session_search_by_provider_probes_the_page_s_runs(postgres_conn):
    """PostgreSQL hashed every run of the provider before the first row (a scan of asm_runs,
    27 ms at 1M events for a common provider); each session's runs are probed instead."""
    for name in ("search_sessions_updated_desc", "search_sessions_created_desc", "search_sessions_created_asc"):
        params = {"agent_id": None, "statuses": None, "provider": "openai", "tags": None, "created_after": None,
                  "created_before": None, "include_deleted": 0, "after_at": None, "after_id": None, "limit": 50}
        plan = plans.explain(postgres_conn, "postgres", query("postgres", name), params)
        text = "\n".join(plan.lines)
        assert "SubPlan" in text and "hashed SubPlan" not in text and "Hash" not in text, text


@pytest.fixture(scope="module", params=DIALECTS)
def seeded(request, tmp_path_factory):
    """bench/scale_seed.py's shape at 50,000 events: hot sessions of 5,000 events in 3 runs, 1,000
    sessions over 50 agents."""
    from bench.scale import seed_size

    dialect = request.param
    url = create_database(dialect, tmp_path_factory.mktemp("seeded"))
    try:
        _run, conn = seed_size(dialect, url, 50_000, log=lambda _text: None)
        try:
            yield dialect, conn, plans.read_samples(conn, dialect)
        finally:
            conn.close()
    finally:
        drop_database(dialect, url)


def explain(dialect, conn, name, params):
    return plans.explain(conn, dialect, query(dialect, name), params, analyze=True,
                         server="mariadb" if dialect == "mysql" else "")


def test_a_late_run_of_a_long_session_is_read_from_its_own_index_range(seeded):
    """get_events(run_id=...) walked the session's sequence index, filtering by run, until it
    reached the run (at 1M events, the last run of a 100k-event session: 66,767 rows read for a
    page of 100); migration 0005's (session_id, run_id, sequence_number) index starts at the run."""
    dialect, conn, s = seeded
    params = {"session_id": s.hot_session, "run_id": s.hot_last_run, "types": None, "since": None,
              "after": None, "before": None, "limit": 50}
    rows = plans.fetch(conn, dialect, "get_events", **params)
    assert len(rows) == 50 and {r["run_id"] for r in rows} == {s.hot_last_run}
    assert rows[0]["sequence_number"] > s.hot_length // 2  # the run is late in the session
    plan = explain(dialect, conn, "get_events", params)
    assert "asm_events_session_run_sequence_idx" in plan.verdict, plan.lines
    assert plan.rows_read is None or plan.rows_read <= 50, plan.lines


@pytest.mark.parametrize(("name", "index"), [
    ("list_sessions", "asm_sessions_agent_created_idx"),
    ("search_sessions_created_asc", "asm_sessions_agent_created_idx"),
    ("search_sessions_created_desc", "asm_sessions_agent_created_idx"),
    ("search_sessions_updated_desc", "asm_sessions_agent_updated_idx"),
])
def test_an_agent_s_sessions_are_read_in_order_from_its_own_index_range(seeded, name, index):
    """An agent's sessions were read through the time index past every other agent's (list_sessions
    of one agent of 50 at 1M events: 4,960 rows for a page of 100), or all of them and sorted."""
    dialect, conn, s = seeded
    params = {"agent_id": s.common_agent, "status": None, "statuses": None, "provider": None, "tags": None,
              "created_after": None, "created_before": None, "include_deleted": 0, "after_at": None,
              "after_id": None, "limit": 5, "offset": 0}
    rows = plans.fetch(conn, dialect, name, **params)
    assert len(rows) == 5 and {r["agent_id"] for r in rows} == {s.common_agent}
    plan = explain(dialect, conn, name, params)
    assert index in plan.verdict and not plan.sorts, plan.lines
    assert plan.rows_read is None or plan.rows_read <= 10, plan.lines


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_langgraph_checkpoint_reads_its_blobs_by_key_not_the_thread_s_every_version(dialect, tmp_path):
    """A checkpoint names one version per channel, but as a plain join the thread's every blob
    version was read (PostgreSQL hashed them, SQLite scanned them without statistics): a LangGraph
    read grew with the history (1.2 to 1.5 ms at 1,000 to 2,000 steps). Each pair is a
    primary-key probe now."""
    url = create_database(dialect, tmp_path)
    try:
        asm.migrate(url)
        conn = connect_raw(url)
        try:
            versions = [f"{n:032}" for n in range(2000)]
            placeholder = "%s" if dialect != "sqlite" else "?"
            cursor = conn.cursor()
            cursor.executemany("INSERT INTO asm_langgraph_blobs (thread_id, checkpoint_ns, channel, version, type, payload)"
                               f" VALUES ('t', '', 'messages', {placeholder}, 'msgpack', {placeholder})",
                               [(v, b"\x00") for v in versions])
            conn.commit()
            if dialect != "sqlite":  # SQLite: no statistics for these tables, as after asm migrate
                execute(dialect, conn, "ANALYZE" if dialect == "postgres" else "ANALYZE TABLE asm_langgraph_blobs")
            params = {"thread_id": "t", "checkpoint_ns": "", "keys": f'[["messages", "{versions[-1]}"], ["config", "x"]]'}
            rows = plans.fetch(conn, dialect, "langgraph_get_blobs", **params)
            assert [row["channel"] for row in rows] == ["messages"]
            plan = plans.explain(conn, dialect, query(dialect, "langgraph_get_blobs"), params, analyze=True,
                                 server="mariadb" if dialect == "mysql" else "")
            assert plan.rows_read is None or plan.rows_read <= 2, plan.lines
            text = "\n".join(plan.lines)
            assert "Seq Scan" not in text and "Hash" not in text and "Bitmap" not in text, text
            assert not any("SEARCH b" in line and "version=?" not in line for line in plan.lines), text
        finally:
            conn.close()
    finally:
        drop_database(dialect, url)
