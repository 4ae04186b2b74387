"""Every search's default order is served by an index on PostgreSQL: EXPLAIN over 50k runs and
50k events shows no sequential scan of asm_runs or asm_events."""

import json

import psycopg
import pytest

import asm
from asm.db.resources import load_queries
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
