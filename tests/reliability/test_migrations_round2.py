"""`asm migrate` when something is in its way: the lock a SIGKILLed run left, a MySQL migration
cut short after any statement, an object made by hand, a search_path that names another schema.
Each failure is an asm error that names the cause and the fix; each output names the schema."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yoyo.migrations

import asm
import asm.migrations
from asm import Event, EventType, Session
from asm.cli.main import main
from asm.drivers.urls import parse_url
from databases import admin_connection, connect_raw, create_database, drop_database, execute

REPO_ROOT = Path(__file__).resolve().parents[2]
ASM = Path(sys.executable).parent / "asm"
ENV = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
SHIPPED = sorted(p.name.removesuffix(".sql") for p in (REPO_ROOT / "migrations" / "sqlite").glob("*.sql")
                 if not p.name.endswith(".rollback.sql"))


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    """The `asm` console script (a process start is slow on a busy machine: the other checks
    call its `main` in this process)."""
    return subprocess.run([str(ASM), "--database", url, *args], capture_output=True, text=True, env=ENV,
                          timeout=120)


@pytest.fixture
def in_process(capsys):
    """`asm.cli.main.main` in this process: the console script's code, its output and exit code."""
    def run(url: str, *args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["--database", url, *args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, exited.value.code, out, err)
    return run


@pytest.fixture
def ok(in_process):
    def run(url: str, *args: str) -> str:
        result = in_process(url, *args)
        assert result.returncode == 0 and result.stderr == "", f"{args}: {result.stderr}"
        return result.stdout
    return run


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, f"{result.args}: exit {result.returncode}, {result.stdout}"
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def applied(url: str) -> list[str]:
    return [m.id for m in asm.migration_status(url) if m.applied]


def assert_store_works(url: str) -> None:
    with asm.connect(url) as store:
        session = Session.new(agent_id="after-repair")
        store.save_session(session)
        assert store.append_event_with_sequence(
            Event.new(type=EventType.SESSION_CREATED, session_id=session.id)).sequence_number == 1


# --- a lock left by a killed `asm migrate` -------------------------------------------------------

# The real `asm migrate`, stopped once it holds the lock (before its first migration), so the
# parent can SIGKILL it there.
STOPPED_MIGRATE = """
import sys, time
import yoyo.backends.base

def stop_here(self, migration, **options):
    print("holding the lock", flush=True)
    time.sleep(600)

yoyo.backends.base.DatabaseBackend.apply_one = stop_here
from asm.cli.main import main
main(["--database", sys.argv[1], "migrate"])
"""


def kill_a_migrate_holding_the_lock(url: str) -> int:
    process = subprocess.Popen([sys.executable, "-c", STOPPED_MIGRATE, url], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        line = process.stdout.readline()
        assert line == "holding the lock\n", process.stderr.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    return process.pid


def test_a_killed_migrate_s_lock_names_its_process_and_the_command_that_breaks_it(dialect, fresh_url, monkeypatch,
                                                                                   in_process, ok):
    pid = kill_a_migrate_holding_the_lock(fresh_url)
    monkeypatch.setattr(asm.migrations, "LOCK_TIMEOUT_S", 0.3)
    fix = f"asm migrate --break-lock --database {parse_url(fresh_url)}"

    with pytest.raises(asm.SchemaError) as caught:
        asm.migrate(fresh_url)
    assert f"process {pid} " in caught.value.message and fix in caught.value.message
    assert caught.value.details["pid"] == pid and caught.value.details["fix"] == fix
    with pytest.raises(asm.SchemaError, match=f"process {pid} "):
        asm.rollback(fresh_url)

    # The command line: one error line naming the process and the fix; --status shows the lock.
    line = one_error_line(in_process(fresh_url, "migrate"))
    assert f"process {pid} " in line and fix in line
    assert f"locked by process {pid} since " in ok(fresh_url, "migrate", "--status")
    assert json.loads(ok(fresh_url, "--json", "migrate", "--status"))["lock"]["pid"] == pid

    assert f"removed the migration lock of process {pid} " in ok(fresh_url, "migrate", "--break-lock")
    assert json.loads(ok(fresh_url, "--json", "migrate", "--break-lock")) == {
        "database": str(parse_url(fresh_url)), "lock_removed": None}
    assert json.loads(ok(fresh_url, "--json", "migrate", "--status"))["lock"] is None

    assert asm.migrate(fresh_url) == SHIPPED
    assert_store_works(fresh_url)


def test_break_migration_lock_removes_a_lock_row_and_says_whose_it_was(dialect, fresh_url):
    asm.migrate(fresh_url)
    conn = connect_raw(fresh_url)
    try:
        # The row a process killed mid-migration leaves (yoyo's lock table: locked, ctime, pid).
        execute(dialect, conn, "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, ?, ?)",
                ("2024-05-01 12:00:00", 424242))
    finally:
        conn.close()
    assert asm.break_migration_lock(fresh_url) == 424242
    assert asm.break_migration_lock(fresh_url) is None
    assert asm.rollback(fresh_url) == [SHIPPED[-1]]
    assert asm.migrate(fresh_url) == [SHIPPED[-1]]


def test_migrate_still_waits_for_a_lock_that_is_released(tmp_path, monkeypatch):
    # A live holder that finishes within the wait: no error, the waiting run goes ahead.
    url = f"sqlite:///{tmp_path / 'wait.db'}"
    asm.migrate(url)
    asm.rollback(url)
    monkeypatch.setattr(asm.migrations, "LOCK_TIMEOUT_S", 30.0)

    def sql(statement: str, *params: object) -> None:
        conn = connect_raw(url)
        try:
            execute("sqlite", conn, statement, params)
        finally:
            conn.close()

    sql("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, ?, ?)", "2024-05-01 12:00:00", 7)
    release = threading.Timer(0.5, sql, ("DELETE FROM yoyo_lock",))
    release.start()
    try:
        assert asm.migrate(url) == [SHIPPED[-1]]
    finally:
        release.join()


# --- MySQL: a migration cut short after any statement finishes on the next run ------------------


@pytest.fixture
def mysql_url(tmp_path) -> str:
    url = create_database("mysql", tmp_path)
    yield url
    drop_database("mysql", url)


def mysql_schema(url: str) -> dict[str, list[tuple]]:
    """Tables, columns and indexes of the database (yoyo's own tables left out)."""
    mine = "table_schema = DATABASE() AND table_name NOT LIKE '%yoyo%'"
    queries = {
        "tables": f"SELECT table_name, engine, table_collation FROM information_schema.tables WHERE {mine}",
        "columns": "SELECT table_name, column_name, ordinal_position, column_type, is_nullable, column_default, "
                   f"collation_name, extra FROM information_schema.columns WHERE {mine}",
        "indexes": "SELECT table_name, index_name, seq_in_index, column_name, non_unique "
                   f"FROM information_schema.statistics WHERE {mine}",
    }
    conn = connect_raw(url)
    try:
        return {name: sorted(execute("mysql", conn, sql)) for name, sql in queries.items()}
    finally:
        conn.close()


def statements_as_yoyo_runs_them(migration_id: str) -> list[str]:
    _, _, statements = yoyo.migrations.read_sql_migration(str(REPO_ROOT / "migrations" / "mysql" / f"{migration_id}.sql"))
    return statements


@pytest.mark.parametrize("migration_id", [m for m in SHIPPED if statements_as_yoyo_runs_them(m)])
def test_a_mysql_migration_cut_short_after_any_statement_is_finished_by_the_next_run(mysql_url, migration_id):
    """MySQL commits each DDL statement: a run killed after statement k leaves k statements
    applied and the migration unmarked. The next `asm.migrate` must finish it, whatever k."""
    asm.migrate(mysql_url)
    clean = mysql_schema(mysql_url)
    statements = statements_as_yoyo_runs_them(migration_id)
    newer = SHIPPED[SHIPPED.index(migration_id):]
    for k in range(1, len(statements) + 1):
        assert asm.rollback(mysql_url, steps=len(newer)) == newer[::-1]
        conn = connect_raw(mysql_url)
        try:
            for sql in statements[:k]:
                conn.cursor().execute(sql)
        finally:
            conn.close()
        assert asm.migrate(mysql_url) == newer, f"after {k} of {len(statements)} statements"
        assert mysql_schema(mysql_url) == clean, f"after {k} of {len(statements)} statements"
    assert_store_works(mysql_url)


def test_a_failing_mysql_migration_reports_its_own_error_not_yoyo_s_lost_savepoint(mysql_url):
    # A hand-made asm_sessions without created_at: 0001 takes the table as its own (see the
    # migration), and 0002 cannot index the missing column. yoyo's ROLLBACK TO SAVEPOINT then
    # fails ("SAVEPOINT sp_N does not exist"): the error must be the ALTER's.
    conn = connect_raw(mysql_url)
    try:
        execute("mysql", conn, "CREATE TABLE asm_sessions (id VARCHAR(255) PRIMARY KEY)")
    finally:
        conn.close()
    with pytest.raises(asm.SchemaError) as caught:
        asm.migrate(mysql_url)
    error = caught.value
    assert "SAVEPOINT" not in error.message and "created_at" in error.message, error.message
    assert error.message.startswith("applying migration 0002.asm-v2 on ")
    assert error.retryable is False and error.details["migration"] == "0002.asm-v2"
    assert applied(mysql_url) == SHIPPED[:1]


# --- an object that already exists ---------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])  # MySQL's migrations take existing objects as theirs
def test_a_table_made_by_hand_stops_migrate_with_a_schema_error_that_names_it(dialect, fresh_url):
    conn = connect_raw(fresh_url)
    try:
        execute(dialect, conn, "CREATE TABLE asm_sessions (id TEXT PRIMARY KEY)")
    finally:
        conn.close()
    with pytest.raises(asm.SchemaError) as caught:
        asm.migrate(fresh_url)
    error = caught.value
    assert type(error) is asm.SchemaError and error.retryable is False
    assert error.details["object"] == "asm_sessions" and error.details["migration"] == "0001.asm-v1"
    assert "asm_sessions" in error.message and "already exists" in error.message
    assert "changed by hand or half migrated" in error.message
    assert f"`asm migrate --database {parse_url(fresh_url)}` again" in error.message

    line = one_error_line(cli(fresh_url, "migrate"))
    assert "asm_sessions" in line and "already exists" in line and "RetryableFailure" not in line
    assert applied(fresh_url) == []

    conn = connect_raw(fresh_url)
    try:
        execute(dialect, conn, "DROP TABLE asm_sessions")  # the repair the message gives
    finally:
        conn.close()
    assert asm.migrate(fresh_url) == SHIPPED


# --- which schema --------------------------------------------------------------------------------


def test_every_migrate_output_names_the_schema_it_works_in(dialect, fresh_url, ok):
    url = parse_url(fresh_url)
    schema = {"postgres": "public", "mysql": url.database,
              "sqlite": str(Path(url.database).resolve()) if dialect == "sqlite" else None}[dialect]
    word = {"postgres": "schema", "mysql": "database", "sqlite": "file"}[dialect]
    where = f"{word} {schema}"

    assert json.loads(ok(fresh_url, "--json", "migrate", "--status"))["schema"] == schema
    assert where in ok(fresh_url, "migrate", "--status")
    assert ok(fresh_url, "migrate").startswith(f"applied {', '.join(SHIPPED)} on {url}, {where}")
    assert ok(fresh_url, "migrate") == f"{url} is up to date, {where}\n"
    document = json.loads(ok(fresh_url, "--json", "migrate"))
    assert (document["schema"], document["applied"]) == (schema, [])
    assert json.loads(ok(fresh_url, "--json", "migrate", "--rollback", "--yes"))["schema"] == schema
    assert where in ok(fresh_url, "migrate")


@pytest.fixture
def postgres_url(tmp_path) -> str:
    url = create_database("postgres", tmp_path)
    yield url
    drop_database("postgres", url)


def in_schema(url: str, schema: str) -> str:
    return f"{url}?options=-csearch_path%3D{schema}"


def create_schemas(url: str, *names: str) -> None:
    conn = connect_raw(url)
    try:
        for name in names:
            execute("postgres", conn, f"CREATE SCHEMA {name}")
    finally:
        conn.close()


def tables_by_schema(url: str) -> dict[str, set[str]]:
    conn = connect_raw(url)
    try:
        rows = execute("postgres", conn, "SELECT table_schema, table_name FROM information_schema.tables "
                                         "WHERE table_name LIKE 'asm%' OR table_name = 'sessions'")
    finally:
        conn.close()
    found: dict[str, set[str]] = {}
    for schema, table in rows:
        found.setdefault(schema, set()).add(table)
    return found


def test_two_schemas_named_in_the_url_migrate_and_store_apart(postgres_url, connect, ok):
    create_schemas(postgres_url, "tenant_a", "tenant_b")
    url_a, url_b = in_schema(postgres_url, "tenant_a"), in_schema(postgres_url, "tenant_b")
    assert asm.migrate(url_a) == SHIPPED
    assert json.loads(ok(url_b, "--json", "migrate")) == {
        "database": str(parse_url(url_b)), "schema": "tenant_b", "other_schemas": ["tenant_a"], "applied": SHIPPED}
    tables = tables_by_schema(postgres_url)
    assert set(tables) == {"tenant_a", "tenant_b"} and tables["tenant_a"] == tables["tenant_b"]
    assert "schema tenant_a" in ok(url_a, "migrate", "--status")

    store_a, store_b = connect(url_a), connect(url_b)
    session = Session.new(agent_id="tenant-a")
    store_a.save_session(session)
    assert store_a.get_session(session.id) == session
    assert store_b.query.search_sessions(limit=10).sessions == []
    with pytest.raises(asm.SessionNotFound):
        store_b.get_session(session.id)

    # A long poll in schema tenant_a wakes for an append from another store there: the trigger
    # of tenant_a's asm_events, through the LISTEN connection opened with the same URL.
    writer = asm.connect(url_a)
    timer = threading.Timer(0.3, lambda: writer.append_event(Event.new(type=EventType.MESSAGE_SENT,
                                                                       session_id=session.id)))
    timer.start()
    try:
        events = store_a.get_events(session.id, wait_timeout_ms=20_000)
    finally:
        timer.join()
        writer.close()
    assert [e.sequence_number for e in events] == [1]
    assert store_b.get_events(session.id) == []
    with admin_connection("postgres") as admin:
        listeners = execute("postgres", admin, "SELECT count(*) FROM pg_stat_activity WHERE datname = ? "
                                               "AND application_name = 'asm-listener'", (parse_url(postgres_url).database,))
    assert listeners[0][0] >= 1


def test_a_search_path_at_an_empty_schema_is_named_with_the_schemas_it_hides(postgres_url, ok, in_process):
    asm.migrate(postgres_url)                      # the data lives in public
    create_schemas(postgres_url, "app")
    url = in_schema(postgres_url, "app,public")    # e.g. "$user", public for a role named app
    status = ok(url, "migrate", "--status")
    assert "schema app" in status and "note: schema public of this database also has asm tables" in status
    assert json.loads(ok(url, "--json", "migrate", "--status"))["other_schemas"] == ["public"]
    out = ok(url, "migrate")
    assert "schema app" in out and "note: schema public" in out
    assert "note:" not in ok(url, "migrate")      # once app has its tables, it is the one in use

    missing = in_schema(postgres_url, "nowhere")
    with pytest.raises(asm.SchemaError, match="search_path .* names no schema that exists"):
        asm.migrate(missing)
    assert "names no schema that exists" in one_error_line(in_process(missing, "migrate"))
