"""MySQL 8 next to MariaDB (README "MySQL and MariaDB versions"): the MySQL SQL uses nothing that
only one of the two servers runs, or runs differently.

The static checks read queries/mysql and migrations/mysql. The live ones run on the test run's
MariaDB (no MySQL 8 server can be installed here): the upserts that replaced `VALUES(col)` (a
derived table for rows with payloads, the parameters repeated for the counters) raise no warning,
give the rows and affected-row counts of the `VALUES(col)` statements they replace, read no table,
and lock only the row they write.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from pathlib import Path

import attrs
import pymysql
import pytest

import asm
from asm import Event, Run, Session
from asm.migrations import migrate
from asm.ids import utc_now
from asm.sql.files import load_queries
from asm.graph import AsyncGraphSessionStorage, GraphSession
from databases import connect_raw, create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries" / "mysql"
MIGRATIONS = ROOT / "migrations" / "mysql"
ODKU = re.compile(r"\bON\s+DUPLICATE\s+KEY\s+UPDATE\b", re.I)


def _code(sql: str) -> str:
    """SQL without its `--` comments (no asm statement has `--` inside a string)."""
    return re.sub(r"--[^\n]*", "", sql)


def named_queries() -> dict[str, str]:
    found = {}
    for path in sorted(QUERIES.glob("*.sql")):
        parts = re.split(r"^--\s*name:\s*([\w-]+)[^\n]*\n", path.read_text(), flags=re.M)
        found |= {f"{path.stem}.{name}": _code(body) for name, body in zip(parts[1::2], parts[2::2])}
    return found


def migration_texts() -> dict[str, str]:
    return {path.name: _code(path.read_text()) for path in sorted(MIGRATIONS.glob("*.sql"))}


QUERY_SQL = named_queries()
UPSERTS = {name: sql for name, sql in QUERY_SQL.items() if ODKU.search(sql)}


def test_the_scan_finds_the_queries_and_their_upserts():
    assert len(QUERY_SQL) > 50 and {"sessions.upsert_session", "events.advance_sequence"} <= set(UPSERTS)


def test_no_upsert_reads_the_new_row_with_the_values_function():
    # MySQL 8.0.20+ answers every VALUES(col) of an ON DUPLICATE KEY UPDATE with warning 1287.
    offenders = [name for name, sql in UPSERTS.items()
                 if re.search(r"\bVALUES?\s*\(", ODKU.split(sql, 1)[1], re.I)]
    assert offenders == []


def test_no_upsert_uses_the_row_alias():
    # INSERT ... VALUES (...) AS new: MySQL 8.0.19+ only, a syntax error on MariaDB.
    offenders = [name for name, sql in UPSERTS.items()
                 if re.search(r"\bVALUES\b[\s\S]*\)\s*AS\s+`?\w+`?\s*(\([^)]*\)\s*)?$", ODKU.split(sql, 1)[0], re.I)]
    assert offenders == []


def test_an_upsert_that_reads_the_new_row_takes_it_from_a_derived_table_reading_no_table():
    reading = {name: sql for name, sql in UPSERTS.items() if re.search(r"\bincoming\.", sql)}
    assert len(reading) >= 3
    shape = re.compile(r"\bSELECT\s+\*\s+FROM\s+\(\s*SELECT\b(?:(?!\bFROM\b)[\s\S])*\)\s+AS\s+incoming\s*$", re.I)
    assert [name for name, sql in reading.items() if not shape.search(ODKU.split(sql, 1)[0])] == []


def test_every_json_table_string_column_compares_bytewise():
    # Without COLLATE a JSON_TABLE column takes the server's default collation: on MySQL 8
    # utf8mb4_0900_ai_ci, so ids would match case-insensitively (or clash with utf8mb4_bin columns).
    column = re.compile(r"\b\w+\s+((?:VAR)?CHAR\s*\(\s*\d+\s*\)|\w*TEXT)\s+(?:COLLATE\s+(\w+)\s+)?PATH\b", re.I)
    seen, offenders = 0, []
    for name, sql in QUERY_SQL.items():
        for match in column.finditer(sql):
            seen += 1
            if match.group(2) != "utf8mb4_bin":
                offenders.append(f"{name}: {match.group(0)}")
    assert seen > 20 and offenders == []


# Syntax one of the two servers lacks, or runs differently; the README's table says which and why.
ONE_SERVER_ONLY = {
    r"\bRETURNING\b": "MariaDB only (INSERT/DELETE ... RETURNING)",
    r"->": "MySQL only (the -> and ->> JSON operators)",
    r"\bMEMBER\s+OF\b": "MySQL only (8.0.17)",
    r"\bLATERAL\b": "MySQL only (8.0.14); MariaDB has no LATERAL derived tables",
    r"\bAS\s+JSON\s*\)": "MySQL only (CAST(... AS JSON))",
    r"\bJSON_(?:EQUALS|NORMALIZE|DETAILED|COMPACT|LOOSE|EXISTS|QUERY)\s*\(": "MariaDB only",
    r"\bJSON_VALUE\s*\(": "different: MySQL 8.0.21+ has RETURNING and ON EMPTY, MariaDB returns text",
    r"\bJSON_ARRAYAGG\s*\([^)]*\bORDER\s+BY\b": "MariaDB only (MySQL's JSON_ARRAYAGG has no order)",
    r"\bVALUES\s+ROW\s*\(": "MySQL only (8.0.19 table value constructor)",
    r"\bVALUE\s*\(": "MariaDB only (a synonym of VALUES())",
    r"\b(?:INTERSECT|EXCEPT)\b": "MySQL 8.0.31+ only",
    r"\bFETCH\s+(?:FIRST|NEXT)\b": "MariaDB only (10.6)",
    r"\bNEXTVAL\s*\(|\bNEXT\s+VALUE\s+FOR\b": "MariaDB only (sequences)",
    r"\bCREATE\s+OR\s+REPLACE\s+(?:TABLE|INDEX|TRIGGER|PROCEDURE|FUNCTION|DATABASE|SEQUENCE)\b": "MariaDB only",
    r"\bPERSISTENT\b": "MariaDB only (MySQL says STORED)",
    r"\b(?:VIRTUAL|STORED)\s+NOT\s+NULL\b": "MySQL only: MariaDB cannot declare a generated column NOT NULL",
}


def _without_mariadb_comments(sql: str) -> str:
    # /*M! ... */ is run by MariaDB only, on purpose (IF NOT EXISTS in 0002; see the README).
    return re.sub(r"/\*M!.*?\*/", " ", sql, flags=re.S)


@pytest.mark.parametrize("pattern", ONE_SERVER_ONLY)
def test_no_statement_uses_syntax_only_one_server_has(pattern):
    texts = {**QUERY_SQL, **{f"migrations/{k}": _without_mariadb_comments(v) for k, v in migration_texts().items()}}
    offenders = [name for name, sql in texts.items() if re.search(pattern, sql, re.I)]
    assert offenders == [], ONE_SERVER_ONLY[pattern]


def test_migrations_say_if_exists_only_where_mysql_8_has_it():
    # MySQL 8 has IF [NOT] EXISTS for tables (and views, triggers, routines), not for columns or
    # indexes: those are wrapped in /*M! ... */ so MySQL reads a comment.
    allowed = re.compile(r"\b(?:CREATE|DROP)\s+(?:TEMPORARY\s+)?(?:TABLE|VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)"
                         r"\s+IF\s+(?:NOT\s+)?EXISTS\b", re.I)
    texts = {name: _without_mariadb_comments(sql) for name, sql in migration_texts().items()}
    offenders = {name: n for name, sql in texts.items()
                 if (n := len(re.findall(r"\bIF\s+(?:NOT\s+)?EXISTS\b", sql, re.I)) - len(allowed.findall(sql)))}
    assert offenders == {}


# -- live, on MariaDB ---------------------------------------------------------------------------

# The statements the derived-table upserts replaced, as they were: the reference for their results.
VALUES_FORMS = {
    "upsert_session": """
        INSERT INTO asm_sessions
            (id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at)
        VALUES (%(id)s, %(agent_id)s, %(status)s, %(parent_session_id)s, %(metadata)s, %(context)s, %(tags)s,
                %(created_at)s, %(updated_at)s, %(deleted_at)s)
        ON DUPLICATE KEY UPDATE
            agent_id = VALUES(agent_id), status = VALUES(status), parent_session_id = VALUES(parent_session_id),
            metadata = VALUES(metadata), context = VALUES(context), tags = VALUES(tags),
            updated_at = VALUES(updated_at), deleted_at = COALESCE(VALUES(deleted_at), deleted_at)""",
    "upsert_run": """
        INSERT INTO asm_runs
            (id, session_id, status, input, output, error, metadata, turn_count, token_usage,
             started_at, ended_at, provider, provider_metadata)
        VALUES (%(id)s, %(session_id)s, %(status)s, %(input)s, %(output)s, %(error)s, %(metadata)s, %(turn_count)s,
                %(token_usage)s, %(started_at)s, %(ended_at)s, %(provider)s, %(provider_metadata)s)
        ON DUPLICATE KEY UPDATE
            session_id = VALUES(session_id), status = VALUES(status), input = VALUES(input),
            output = VALUES(output), error = VALUES(error), metadata = VALUES(metadata),
            turn_count = VALUES(turn_count), token_usage = VALUES(token_usage), started_at = VALUES(started_at),
            ended_at = VALUES(ended_at), provider = VALUES(provider), provider_metadata = VALUES(provider_metadata)""",
    "advance_sequence": """
        INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
        VALUES (%(session_id)s, %(count)s, %(now)s)
        ON DUPLICATE KEY UPDATE
            last_sequence = IF(last_sequence <= 9223372036854775807 - VALUES(last_sequence),
                               last_sequence + VALUES(last_sequence), 0),
            updated_at = VALUES(updated_at)""",
    "import_raise_sequence": """
        INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
        VALUES (%(session_id)s, %(sequence_number)s, %(now)s)
        ON DUPLICATE KEY UPDATE
            updated_at = IF(VALUES(last_sequence) > last_sequence, VALUES(updated_at), updated_at),
            last_sequence = GREATEST(last_sequence, VALUES(last_sequence))""",
    "upsert_graph_session": """
        INSERT INTO sessions (id, graph_id, current_task_id, status_message, context, created_at, updated_at)
        VALUES (%(id)s, %(graph_id)s, %(current_task_id)s, %(status_message)s, %(context)s, %(now)s, %(now)s)
        ON DUPLICATE KEY UPDATE
            graph_id = VALUES(graph_id), current_task_id = VALUES(current_task_id),
            status_message = VALUES(status_message), context = VALUES(context),
            updated_at = GREATEST(VALUES(updated_at), COALESCE(updated_at + INTERVAL 1 MICROSECOND, VALUES(updated_at)))""",
    "update_graph_session_if_unchanged": """
        UPDATE sessions SET graph_id = %(graph_id)s, current_task_id = %(current_task_id)s,
            status_message = %(status_message)s, context = %(context)s,
            updated_at = GREATEST(%(now)s, COALESCE(updated_at + INTERVAL 1 MICROSECOND, %(now)s))
        WHERE id = %(id)s AND updated_at = %(expected_updated_at)s""",
}
DERIVED_UPSERTS = ["upsert_session", "upsert_run", "upsert_graph_session"]
UPSERT_NAMES = [*DERIVED_UPSERTS, "advance_sequence", "import_raise_sequence"]
TABLE_OF = {"upsert_session": "asm_sessions", "upsert_run": "asm_runs", "advance_sequence": "asm_session_sequences",
            "import_raise_sequence": "asm_session_sequences", "upsert_graph_session": "sessions",
            "update_graph_session_if_unchanged": "sessions"}
INT64_MAX = 2**63 - 1
GRAPH_ID = "6f1c1c1e-0000-4000-8000-000000000001"


def _ts(second: int, micro: int = 0) -> str:
    return f"2025-03-01 10:00:{second:02d}.{micro:06d}"


def _session(id="s1", **changes):
    return {"id": id, "agent_id": "agent", "status": "active", "parent_session_id": None, "metadata": '{"a":1}',
            "context": "{}", "tags": '["x"]', "created_at": _ts(1), "updated_at": _ts(1), "deleted_at": None,
            **changes}


def _run(id="r1", **changes):
    return {"id": id, "session_id": "s1", "status": "running", "input": '{"q":"hi"}', "output": None, "error": None,
            "metadata": "{}", "turn_count": 0, "token_usage": "{}", "started_at": _ts(1), "ended_at": None,
            "provider": None, "provider_metadata": "{}", **changes}


def _graph(now, **changes):
    return {"id": GRAPH_ID, "graph_id": "claims", "current_task_id": "intake", "status_message": None,
            "context": '{"data":{}}', "now": now, **changes}


# Each step's parameters: inserts, updates, rewrites of the same values, and the edges
# (a soft delete kept, a counter at 2**63 - 1, a lower imported number, a writer clock behind).
SCENARIOS = {
    "upsert_session": [
        _session(), _session(), _session(deleted_at=_ts(2)), _session(agent_id="other", updated_at=_ts(3)),
        _session(agent_id="other", updated_at=_ts(3)), _session("s2", parent_session_id="s1", tags="[]"),
    ],
    "upsert_run": [
        _run(), _run(), _run(status="completed", output='{"a":"done"}', turn_count=3, ended_at=_ts(5),
                            token_usage='{"total_tokens":12}', provider="openai"),
        _run(input=None), _run("r2", session_id="s2"),
    ],
    "advance_sequence": [  # a batch's form: no id to look up
        {"id": None, "session_id": "q1", "count": 3, "now": _ts(1)},
        {"id": None, "session_id": "q1", "count": 2, "now": _ts(2)},
        {"id": None, "session_id": "q2", "count": INT64_MAX - 2, "now": _ts(3)},
        {"id": None, "session_id": "q2", "count": 2, "now": _ts(4)},
        {"id": None, "session_id": "q2", "count": 1, "now": _ts(5)},
    ],
    "import_raise_sequence": [
        {"session_id": "q1", "sequence_number": 10, "now": _ts(1)},
        {"session_id": "q1", "sequence_number": 4, "now": _ts(2)},
        {"session_id": "q1", "sequence_number": 10, "now": _ts(3)},
        {"session_id": "q1", "sequence_number": INT64_MAX, "now": _ts(4)},
    ],
    "upsert_graph_session": [
        _graph(_ts(5)), _graph(_ts(1)), _graph(_ts(9), current_task_id="review", status_message="ok"),
        _graph(_ts(9, 1), context='{"data":{"k":[1,2]}}'),
    ],
    "update_graph_session_if_unchanged": [
        _graph(_ts(3), expected_updated_at=_ts(5)), _graph(_ts(3), expected_updated_at=_ts(5)),
        _graph(_ts(7), expected_updated_at=_ts(5, 1), current_task_id="done"),
        _graph(_ts(8), expected_updated_at="2020-01-01 00:00:00.000000"),
    ],
}
SETUP = {  # rows a step expects to find
    "update_graph_session_if_unchanged": "INSERT INTO sessions (id, graph_id, current_task_id, context, created_at,"
                                         f" updated_at) VALUES ('{GRAPH_ID}', 'g', 't', '{{}}', '{_ts(0)}', '{_ts(5)}')",
}


@pytest.fixture(scope="module")
def mariadb_url(tmp_path_factory):
    url = create_database("mysql", tmp_path_factory.mktemp("portability"))
    try:
        migrate(url)
        yield url
    finally:
        drop_database("mysql", url)


@pytest.fixture
def conn(mariadb_url):
    conn = connect_raw(mariadb_url)
    with conn.cursor() as cur:
        # asm's own connections run at READ COMMITTED (asm/drivers/: mysql_options).
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    yield conn
    with conn.cursor() as cur:
        for table in ("asm_runs", "asm_session_sequences", "asm_sessions", "sessions"):
            cur.execute(f"DELETE FROM {table}")
    conn.close()


@pytest.fixture(scope="module")
def asm_sql():
    queries = load_queries("mysql", "pymysql")
    return {name: getattr(queries, name).sql for name in VALUES_FORMS}


def _run_steps(conn, sql, name):
    """Each step's affected-row count and warnings, then the table's rows."""
    counts, warned = [], []
    with conn.cursor() as cur:
        for table in set(TABLE_OF.values()):
            cur.execute(f"DELETE FROM {table}")
        if name in SETUP:
            cur.execute(SETUP[name])
        for params in SCENARIOS[name]:
            counts.append(cur.execute(sql, params))
            cur.execute("SHOW WARNINGS")
            warned += cur.fetchall()
        cur.execute(f"SELECT * FROM {TABLE_OF[name]} ORDER BY 1")
        return counts, warned, cur.fetchall()


@pytest.mark.parametrize("name", VALUES_FORMS)
def test_the_new_statement_gives_what_the_values_form_gave_without_a_warning(conn, asm_sql, name):
    old_counts, _, old_rows = _run_steps(conn, VALUES_FORMS[name], name)
    counts, warned, rows = _run_steps(conn, asm_sql[name], name)
    assert warned == []
    assert (counts, rows) == (old_counts, old_rows)
    assert rows, "the scenario stored nothing"


def test_the_scenarios_reach_the_edges(conn, asm_sql):
    assert _run_steps(conn, asm_sql["upsert_session"], "upsert_session")[0] == [1, 0, 2, 2, 0, 1]
    counts, _, rows = _run_steps(conn, asm_sql["advance_sequence"], "advance_sequence")
    assert counts == [1, 2, 1, 2, 2] and [(r[0], r[1]) for r in rows] == [("q1", 5), ("q2", 0)]
    counts, _, rows = _run_steps(conn, asm_sql["import_raise_sequence"], "import_raise_sequence")
    assert counts == [1, 0, 0, 2] and rows[0][1] == INT64_MAX and rows[0][2].second == 4
    _, _, rows = _run_steps(conn, asm_sql["upsert_graph_session"], "upsert_graph_session")
    assert rows[0][-2].second == 5 and rows[0][-1].microsecond == 1 and rows[0][-1].second == 9


@pytest.mark.parametrize("name", DERIVED_UPSERTS)
def test_the_new_row_reads_no_table(conn, asm_sql, name):
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute("EXPLAIN " + asm_sql[name], SCENARIOS[name][0])
        tables = {row["table"] for row in cur.fetchall()}
    assert {t for t in tables if t is not None and not t.startswith("<derived")} == set(), tables


LOCK_KEYS = {  # the parameters of one upsert writing key k
    "upsert_session": lambda k: _session(k),
    "upsert_run": lambda k: _run(k),
    "advance_sequence": lambda k: {"id": f"evt_{k}", "session_id": k, "count": 1, "now": _ts(1)},  # a single append's
    "import_raise_sequence": lambda k: {"session_id": k, "sequence_number": 7, "now": _ts(1)},
    "upsert_graph_session": lambda k: _graph(_ts(1), id=f"6f1c1c1e-0000-4000-8000-00000000000{k[-1]}"),
}


@pytest.mark.parametrize("name", UPSERT_NAMES)
@pytest.mark.parametrize("written", ["k5", "k1"], ids=["inserting", "updating"])
def test_an_open_upsert_locks_its_row_and_no_gap(conn, mariadb_url, asm_sql, name, written):
    sql, params = asm_sql[name], LOCK_KEYS[name]
    with conn.cursor() as cur:
        for key in ("k1", "k9"):
            cur.execute(sql, params(key))
    other = connect_raw(mariadb_url)
    try:
        with conn.cursor() as a, other.cursor() as b:
            b.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            b.execute("SET SESSION innodb_lock_wait_timeout = 1")
            a.execute("BEGIN")
            a.execute(sql, params(written))
            # Keys beside it, in the gap it sits in or at its edges, are free (a gap lock would wait).
            for key in ("k0", "k2", "k4", "k6", "k9"):
                b.execute(sql, params(key))
            if name == "advance_sequence":  # the row itself waits (the hot path; once is enough)
                with pytest.raises(pymysql.err.OperationalError) as waited:
                    b.execute(sql, params(written))
                assert waited.value.args[0] == 1205
            a.execute("ROLLBACK")
    finally:
        other.close()


def test_asm_calls_that_run_these_statements_raise_no_server_warning(mariadb_url):
    # aiomysql turns each server warning of a statement into a Python Warning (aiomysql/cursors.py).
    async def calls():
        store = await asm.connect_async(mariadb_url)
        graph = await AsyncGraphSessionStorage.connect(mariadb_url)
        try:
            session = Session.new(agent_id="portability", metadata={"k": "v" * 600})
            await store.save_session(session)
            await store.save_session(session.with_status("paused"))
            run = Run.new(session_id=session.id, status="running", input={"q": "x" * 600})
            await store.save_run(run)
            await store.save_run(run.with_output({"answer": 42}))
            await store.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
            await store.append_events([Event.new(type="tool_call_started", session_id=session.id) for _ in range(3)])
            await store.save_session(attrs.evolve(session, deleted_at=utc_now()))  # a soft delete
            await store.save_session(session.with_status("completed"))          # keeps it
            export = await store.query.export_session(session.id)
            await store.query.import_session(export)
            g = GraphSession.new(graph_id="claims", current_task_id="intake")
            await graph.save(g)
            await graph.save(g)
            await graph.save(g, expect_unchanged=True)
            await graph.append_message(g.id, "User", "hello")
            assert (await store.get_session(session.id)).deleted_at is not None
            assert await store.get_latest_sequence(session.id) == 4
        finally:
            await graph.close()
            await store.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(calls())
    assert [str(w.message) for w in caught if w.category is Warning] == []
