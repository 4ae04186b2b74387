"""Every search's default order is served by an index on PostgreSQL: EXPLAIN over 50k runs and
50k events shows no sequential scan of asm_runs or asm_events."""

import json

import psycopg
import pytest

import asm
from asm.sql.files import load_queries
from databases import create_database, drop_database

ROWS = 50_000
NO_FILTERS = {
    "agent_id": None, "statuses": None, "provider": None, "tags": None, "created_after": None,
    "created_before": None, "include_deleted": 0, "session_id": None, "started_after": None,
    "started_before": None, "min_tokens": None, "session_ids": None, "run_ids": None, "types": None,
    "providers": None, "since": None, "until": None, "correlation_id": None, "after_at": None,
    "after_id": None, "after_session_id": None, "after_sequence": None, "limit": 51,
}


@pytest.fixture(scope="module")
def big_postgres(tmp_path_factory):
    url = create_database("postgres", tmp_path_factory.mktemp("explain"))
    asm.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            INSERT INTO asm_sessions (id, agent_id, created_at, updated_at)
            SELECT 'ses_' || n, 'agent_' || (n % 50), now() - n * interval '1 minute', now() - n * interval '1 second'
            FROM generate_series(1, 1000) AS n""")
        conn.execute("""
            INSERT INTO asm_runs (id, session_id, status, started_at, provider, token_usage)
            SELECT 'run_' || n, 'ses_' || (n %% 1000 + 1), 'completed', now() - n * interval '1 second',
                   CASE WHEN n %% 2 = 0 THEN 'openai' END, jsonb_build_object('total_tokens', n)
            FROM generate_series(1, %s) AS n""", [ROWS])
        conn.execute("""
            INSERT INTO asm_events (id, type, session_id, run_id, sequence_number, timestamp)
            SELECT 'evt_' || n, 'message_sent', 'ses_' || (n %% 1000 + 1), 'run_' || n, n / 1000 + 1,
                   now() - n * interval '1 second'
            FROM generate_series(1, %s) AS n""", [ROWS])
        conn.execute("ANALYZE")
    yield url
    drop_database("postgres", url)


def seq_scans(plan):
    node = plan if "Node Type" in plan else plan["Plan"]
    found = [node["Relation Name"]] if node["Node Type"] == "Seq Scan" else []
    for child in node.get("Plans", []):
        found += seq_scans(child)
    return found


@pytest.mark.parametrize(("query", "filters"), [
    ("search_sessions_updated_desc", {}),
    ("search_runs_started_desc", {}),
    ("search_runs_started_desc", {"session_id": "ses_7"}),
    ("search_events_sequence_asc", {}),
    ("search_events_sequence_asc", {"session_ids": ["ses_7"]}),
    ("get_events", {"session_id": "ses_7", "after": 10, "before": None, "run_id": None, "limit": 100}),
])
def test_default_orders_use_indexes(big_postgres, query, filters):
    sql = getattr(load_queries("postgres", "psycopg"), query).sql
    with psycopg.connect(big_postgres) as conn:
        (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + sql, {**NO_FILTERS, **filters}).fetchone()
    scans = seq_scans(plan[0] if isinstance(plan, list) else json.loads(plan)[0])
    assert not {"asm_runs", "asm_events"} & set(scans), f"{query}: sequential scan of {scans}"


# --- `asm explain` on every dialect (issue 15): realistic defaults, --all, --analyze, --generic ---

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from asm.cli.database import raw_connection  # noqa: E402
from asm.explain import plans  # noqa: E402
from asm.drivers.urls import parse_url  # noqa: E402
from bench import scale_seed  # noqa: E402
from databases import DIALECTS, connect_raw  # noqa: E402

ASM = Path(sys.executable).parent / "asm"
EVENTS = 20_000


@pytest.fixture(scope="module", params=DIALECTS)
def seeded(request, tmp_path_factory):
    dialect = request.param
    url = create_database(dialect, tmp_path_factory.mktemp("explain_" + dialect))
    asm.migrate(url)
    conn = raw_connection(parse_url(url))
    scale_seed.seed(dialect, conn, scale_seed.Shape(EVENTS), log=lambda _line: None)
    scale_seed.analyze(dialect, conn)
    conn.close()
    yield dialect, url
    drop_database(dialect, url)


def asm_cli(url, *args, check=True):
    result = subprocess.run([str(ASM), "--database", url, *args], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0 and result.stderr == "", result.stderr
    return result


def scalar(url, sql):
    conn = connect_raw(url)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_query_is_explained_for_the_longest_session_and_its_rare_values(seeded):
    dialect, url = seeded
    longest = scalar(url, "SELECT session_id FROM asm_session_sequences ORDER BY last_sequence DESC, session_id DESC")
    rarest = scalar(url, "SELECT type FROM asm_events GROUP BY type ORDER BY COUNT(*), type")
    document = json.loads(asm_cli(url, "--json", "explain", "get_events").stdout)
    cases = {p["case"]: p for p in document["plans"]}
    assert {"hot session tail", "hot session, rare type, 10", "cold session"} <= set(cases)
    assert all(p["parameters"]["session_id"] == longest for c, p in cases.items() if c.startswith("hot"))
    assert json.loads(cases["hot session, rare type, 10"]["parameters"]["types"]
                      if dialect != "postgres" else json.dumps(cases["hot session, rare type, 10"]["parameters"]["types"])
                      ) == [rarest]
    assert all(p["verdict"].startswith("index range asm_events") and not p["problem"] for p in cases.values())

    given = asm_cli(url, "explain", "get_events", "--param", "types=tool_call_started", "--param", "limit=5").stdout
    assert given.splitlines()[0] == "get_events (given parameters)"
    assert "tool_call_started" in given and "limit=5" in given


def test_all_prints_a_verdict_for_every_case_of_every_named_query(seeded):
    dialect, url = seeded
    document = json.loads(asm_cli(url, "--json", "explain", "--all").stdout)
    found = {p["query"] for p in document["plans"]}
    assert found == {q.name for q in plans.named_queries(dialect)}
    assert [p for p in document["plans"] if p["verdict"].startswith("error")] == []
    table = asm_cli(url, "explain", "--all").stdout
    assert "verdict" in table and "rows (est.)" in table and "keyed case(s) read or sort" in table


def test_analyze_runs_writes_inside_a_rolled_back_transaction(seeded):
    dialect, url = seeded
    before = [scalar(url, f"SELECT COUNT(*) FROM {t}") for t in scale_seed.ASM_TABLES]
    document = json.loads(asm_cli(url, "--json", "explain", "--all", "--analyze").stdout)
    assert [p for p in document["plans"] if p["verdict"].startswith("error")] == []
    deleted = [p for p in document["plans"] if p["query"] == "delete_session_events" and p["case"] == "hot session"]
    assert deleted[0]["rows_returned"] == scalar(
        url, "SELECT MAX(last_sequence) FROM asm_session_sequences")  # it ran: every event of the hot session
    assert [scalar(url, f"SELECT COUNT(*) FROM {t}") for t in scale_seed.ASM_TABLES] == before
    if dialect != "sqlite":  # PostgreSQL and MariaDB count the rows each plan read
        reads = {(p["query"], p["case"]): p["rows_read"] for p in document["plans"]}
        assert reads[("get_session", "hot session")] == 1
        assert reads[("count_all_events", "whole table")] >= EVENTS


def test_a_keyed_query_that_scans_is_flagged(seeded):
    dialect, url = seeded
    conn = connect_raw(url)
    try:
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM asm_events")  # a scratch copy keeps the fixture's table intact
        if dialect == "mysql":
            cur.execute("CREATE TABLE asm_scratch_events AS SELECT * FROM asm_events")
        else:
            cur.execute("CREATE TABLE asm_scratch_events AS SELECT * FROM asm_events")
        plan_sql = "SELECT id FROM asm_scratch_events WHERE session_id = %s ORDER BY sequence_number LIMIT 10"
    finally:
        conn.close()
    try:
        query = plans.NamedQuery("scratch", "scratch.sql", ("session_id",), "",
                                 plan_sql.replace("%s", "?" if dialect == "sqlite" else "%(session_id)s")
                                 .replace("?", ":session_id"))
        conn = raw_connection(parse_url(url))
        try:
            if dialect != "sqlite":
                cur = conn.cursor()
                cur.execute("ANALYZE asm_scratch_events" if dialect == "postgres" else "ANALYZE TABLE asm_scratch_events")
                cur.fetchall() if dialect == "mysql" else None
            from asm.cli.explain import problem

            plan = plans.explain(conn, dialect, query, {"session_id": "nobody"},
                                 server=conn.get_server_info() if dialect == "mysql" else "")
        finally:
            conn.close()
        assert plan.verdict.startswith("full scan asm_scratch_events"), plan.verdict
        assert problem(plan, plans.KEYED).startswith("full scan of asm_scratch_events")
        assert problem(plan, plans.ANALYTICS) == ""
    finally:
        conn = connect_raw(url)
        conn.cursor().execute("DROP TABLE asm_scratch_events")
        conn.close()


def test_generic_plans_are_postgresql_s(seeded):
    dialect, url = seeded
    if dialect != "postgres":
        result = asm_cli(url, "explain", "get_events", "--generic", check=False)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("error: --generic is PostgreSQL's")
        return
    document = json.loads(asm_cli(url, "--json", "explain", "get_events", "--generic").stdout)
    assert all(p["generic"] for p in document["plans"])
    assert any("$1" in line for p in document["plans"] for line in p["plan"])  # planned blind to the values
    custom = json.loads(asm_cli(url, "--json", "explain", "get_events").stdout)
    assert not any("$1" in line for p in custom["plans"] for line in p["plan"])


def test_bad_arguments_are_one_error_line(seeded):
    _dialect, url = seeded
    for args, code, text in ((["explain", "no_such_query"], 1, "no query named 'no_such_query'"),
                             (["explain", "get_events", "--param", "nope=1"], 1, "get_events has no parameter nope"),
                             (["explain", "get_events", "--param", "limit"], 2, "--param takes K=V"),
                             (["explain", "--param", "limit=1"], 2, "--param needs a query NAME"),
                             (["explain", "--all", "get_events"], 2, "--all takes no NAME")):
        result = asm_cli(url, *args, check=False)
        assert result.returncode == code and result.stdout == "", (args, result.stderr)
        assert result.stderr.startswith("error: ") and text in result.stderr and len(result.stderr.splitlines()) == 1
