"""PostgreSQL's hottest writes are PL/pgSQL functions (migration 0007, docs/decisions.md: "The
hottest writes are functions, planned once per connection"): each named query that calls one
passes its parameters as the function's arguments of the same names, the statement inside is
index-backed and planned generically (the plan a server connection keeps), and `asm explain`
shows that statement's plan, not the call's."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

import asm
from asm.explain.explain import explain
from asm.explain.queries import queries_by_name
from asm.sql.codegen.sqltext import called_statement, function_statement
from databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = (ROOT / "schema" / "postgres.sql").read_text(encoding="utf-8")
FUNCTIONS = dict(re.findall(r"CREATE FUNCTION (asm_\w+)\((.*?)\)\s*RETURNS\b", SNAPSHOT, re.S))
CALLERS = {"append_event": "asm_append_event", "adk_append_event": "asm_adk_append_event",
           "langgraph_put": "asm_langgraph_put", "langgraph_insert_writes": "asm_langgraph_insert_writes"}


def arguments(name: str) -> list[str]:
    return [argument.split()[0] for argument in FUNCTIONS[name].split(",") if argument.strip()]


@pytest.mark.parametrize("query", sorted(CALLERS))
def test_each_calling_query_passes_its_parameters_as_the_arguments_of_the_same_names(query):
    named = queries_by_name("postgres")[query]
    assert arguments(CALLERS[query]) == [f"p_{name}" for name in named.params]
    assert named.writes  # explained and described as the write it is


def test_the_statement_inside_a_function_is_read_with_its_arguments_as_parameters():
    body = ("DECLARE n bigint; BEGIN INSERT INTO t (a, b) SELECT p_a, p_b FROM x "
            "RETURNING c INTO n; RETURN n; END;")
    assert function_statement(body) == "INSERT INTO t (a, b) SELECT :a, :b FROM x RETURNING c"
    assert function_statement("BEGIN PERFORM pg_notify('c', 'x'); RETURN NULL; END;") is None
    statements = {"asm_f": "INSERT INTO t (a) SELECT :a"}
    assert called_statement("SELECT asm_f(CAST(:a AS text))", statements) == statements["asm_f"]
    assert called_statement("SELECT 1 -- asm_f(:a)", statements) == "SELECT 1 -- asm_f(:a)"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    made = create_database("postgres", tmp_path_factory.mktemp("functions"))
    try:
        asm.migrate(made)
        yield made
    finally:
        drop_database("postgres", made)


def test_explaining_an_append_shows_the_generic_plan_of_the_statement_inside(url):
    now = datetime.now(timezone.utc)
    params = dict(id="evt_explained", type="message_sent", timestamp=now, session_id="ses_explained", run_id=None,
                  data={"text": "hi"}, metadata={}, schema_version=1, provider=None, correlation_id=None, now=now)
    with psycopg.connect(url, autocommit=True) as conn:
        plan = explain(conn, "postgres", queries_by_name("postgres")["append_event"], params)
        # The id probe, and the notification trigger's look at the session's mark (0008).
        assert plan.verdict == ("index range asm_session_sequences (asm_session_sequences_pkey); "
                                "index-only range asm_events (asm_events_pkey)")
        assert plan.generic and any("($1)" in line for line in plan.lines)  # blind to the values: kept
        (events,) = conn.execute("SELECT COUNT(*) FROM asm_events").fetchone()
    assert events == 0  # run to be explained, then rolled back
    with asm.connect(url) as store:
        store.append_event(asm.Event.new(id="evt_explained", type=asm.EventType.MESSAGE_SENT,
                                         session_id="ses_explained", data={"text": "hi"}))
        assert [e.sequence_number for e in store.get_events("ses_explained")] == [1]


def test_without_a_superuser_the_plan_is_the_calls_and_says_why(url):
    role = f"asm_explainer_{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc)
    params = dict(id="evt_x", type="message_sent", timestamp=now, session_id="ses_x", run_id=None, data={},
                  metadata={}, schema_version=1, provider=None, correlation_id=None, now=now)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        try:
            with psycopg.connect(url, user=role, autocommit=True) as conn:
                plan = explain(conn, "postgres", queries_by_name("postgres")["append_event"], params)
        finally:
            admin.execute(f"DROP ROLE {role}")
    assert plan.verdict == "no table read"
    assert "asm_append_event" in plan.note and "superuser" in plan.note
