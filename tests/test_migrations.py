"""docs/behaviour.md (connecting and migrating, schema): the shipped yoyo migrations apply, roll back and re-apply on every
dialect, through asm and through the plain yoyo CLI, and V1 data survives the upgrade to V2."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

import asm
from asm import Event, EventType, RunStatus, Session, SessionStatus
from asm.drivers.urls import parse_url
from databases import DIALECTS, connect_raw, execute

REPO_ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO_ROOT / "migrations"
V1 = "0001.asm-v1"
V1_TABLES = {"asm_sessions", "asm_runs", "asm_events", "asm_session_sequences"}


def forward_files(dialect: str) -> list[Path]:
    return sorted(p for p in (MIGRATIONS / dialect).glob("*.sql") if not p.name.endswith(".rollback.sql"))


def migration_ids(dialect: str) -> list[str]:
    return [p.name.removesuffix(".sql") for p in forward_files(dialect)]


SHIPPED = migration_ids("sqlite")


def applied(url: str) -> list[str]:
    return [m.id for m in asm.migration_status(url) if m.applied]


def asm_tables(dialect: str, url: str) -> set[str]:
    """Names of the asm_* tables that exist in the database (yoyo's own tables excluded)."""
    return {n for n in all_tables(dialect, url) if n.startswith("asm_")}


def all_tables(dialect: str, url: str) -> set[str]:
    """Names of every table in the database."""
    sql = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
        "mysql": "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
    }[dialect]
    conn = connect_raw(url)
    try:
        names = {row[0] for row in execute(dialect, conn, sql)}
    finally:
        conn.close()
    return names


def run_sql(dialect: str, url: str, *statements: tuple[str, tuple]) -> None:
    conn = connect_raw(url)
    try:
        for sql, params in statements:
            execute(dialect, conn, sql, params)
    finally:
        conn.close()


def assert_schema_error(url: str) -> None:
    with pytest.raises(asm.SchemaError, match="asm migrate"):
        asm.connect(url).close()


def assert_store_round_trips(url: str) -> None:
    with asm.connect(url) as store:
        session = Session.new(agent_id="agent-1", metadata={"k": [1, "two"]}, tags=["t"])
        store.save_session(session)
        assert store.get_session(session.id) == session
        stored = store.append_event_with_sequence(Event.new(type=EventType.SESSION_CREATED, session_id=session.id))
        assert stored.sequence_number == 1
        assert store.get_events(session.id) == [stored]


# --- asm.migrate / asm.rollback / asm.migration_status -------------------------------------------


def test_fresh_database_has_nothing_applied_and_no_store(dialect, fresh_url):
    assert asm.migration_status(fresh_url) == [asm.MigrationStatus(id, False) for id in SHIPPED]
    assert_schema_error(fresh_url)
    assert asm.rollback(fresh_url) == []


def test_apply_rollback_all_apply_again(dialect, fresh_url):
    assert asm.migrate(fresh_url) == SHIPPED
    assert applied(fresh_url) == SHIPPED
    asm.connect(fresh_url).close()

    assert asm.rollback(fresh_url, steps=len(SHIPPED)) == SHIPPED[::-1]
    assert applied(fresh_url) == []
    assert_schema_error(fresh_url)
    assert asm_tables(dialect, fresh_url) == set()

    assert asm.migrate(fresh_url) == SHIPPED
    assert applied(fresh_url) == SHIPPED
    assert_store_round_trips(fresh_url)


def test_rollback_defaults_to_the_newest_migration_only(dialect, fresh_url):
    asm.migrate(fresh_url)
    # The newest adds the column of PostgreSQL's long-poll marks; a store without it polls
    # (its marks fail), so it needs no 0008. The other dialects' 0008 is empty.
    assert asm.rollback(fresh_url) == ["0008.watched-notifications"]
    assert_store_round_trips(fresh_url)
    # Then PostgreSQL's hottest writes as functions, which a PostgreSQL store calls; the other
    # dialects' 0007 is empty.
    assert asm.rollback(fresh_url) == ["0007.cached-write-plans"]
    if dialect == "postgres":
        assert_schema_error(fresh_url)
        return
    assert_store_round_trips(fresh_url)
    # Then the framework integrations' tables (0006), which the store does not need.
    core = SHIPPED[:SHIPPED.index("0005.ordered-indexes") + 1]
    for newest in reversed(SHIPPED[len(core):SHIPPED.index("0007.cached-write-plans")]):
        assert asm.rollback(fresh_url) == [newest]
        assert_store_round_trips(fresh_url)
    # Then an index the store reads faster with but does not need.
    assert asm.rollback(fresh_url) == ["0005.ordered-indexes"]
    assert applied(fresh_url) == core[:-1]
    assert_store_round_trips(fresh_url)
    # Then PostgreSQL's append notification (the other dialects' 0004 is empty).
    assert asm.rollback(fresh_url) == ["0004.event-notifications"]
    assert applied(fresh_url) == core[:-2]
    assert_store_round_trips(fresh_url)
    # Then the graph-sessions table, which the session store does not need.
    assert asm.rollback(fresh_url) == ["0003.graph-sessions"]
    assert applied(fresh_url) == core[:-3]
    assert "sessions" not in all_tables(dialect, fresh_url)
    assert_store_round_trips(fresh_url)
    # One more step undoes V2, which it does need.
    assert asm.rollback(fresh_url) == ["0002.asm-v2"]
    assert_schema_error(fresh_url)
    assert "asm_sessions" in asm_tables(dialect, fresh_url)


def test_rolling_back_to_v1_keeps_exactly_the_v1_tables(dialect, fresh_url):
    asm.migrate(fresh_url)
    assert asm.rollback(fresh_url, steps=len(SHIPPED) - 1) == SHIPPED[:0:-1]
    assert applied(fresh_url) == [V1]
    assert asm_tables(dialect, fresh_url) == V1_TABLES
    assert_schema_error(fresh_url)


def test_migrate_twice_applies_nothing_the_second_time(dialect, fresh_url):
    assert asm.migrate(fresh_url) == SHIPPED
    assert asm.migrate(fresh_url) == []
    assert applied(fresh_url) == SHIPPED


def test_rollback_steps_must_be_a_positive_int(tmp_path):
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    asm.migrate(url)
    for steps in (0, -1, 1.0, "1", True):
        with pytest.raises(asm.ValidationError):
            asm.rollback(url, steps=steps)
    assert applied(url) == SHIPPED


def test_connect_with_migrate_true_migrates_first(dialect, fresh_url):
    asm.connect(fresh_url, migrate=True).close()
    assert applied(fresh_url) == SHIPPED
    assert_store_round_trips(fresh_url)


@pytest.mark.parametrize("name", ["run#1.db", "c?x=1.db", "my%20db.db"])
def test_migrate_and_connect_use_the_same_sqlite_file(tmp_path, name):
    # yoyo reads its URL as a URI: an unescaped #, ? or % once made it migrate another file.
    url = f"sqlite:///{tmp_path / name}"
    asm.migrate(url)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".db"] == [name]
    assert_store_round_trips(url)


# --- V1 data survives the upgrade ---------------------------------------------------------------


def insert_v1_rows_by_hand(dialect: str, url: str) -> None:
    """Rows written by some other V1 client: only the required columns, the rest defaulted."""
    run_sql(
        dialect, url,
        ("INSERT INTO asm_sessions (id, agent_id) VALUES (?, ?)", ("ses_v1", "agent-v1")),
        ("INSERT INTO asm_runs (id, session_id) VALUES (?, ?)", ("run_v1", "ses_v1")),
        ("INSERT INTO asm_events (id, type, session_id, sequence_number) VALUES (?, ?, ?, ?)",
         ("evt_v1_a", "session_created", "ses_v1", 1)),
        ("INSERT INTO asm_events (id, type, session_id, sequence_number) VALUES (?, ?, ?, ?)",
         ("evt_v1_b", "message_sent", "ses_v1", 2)),
        ("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?, ?)", ("ses_v1", 2)),
    )


def test_v1_rows_read_back_with_defaults_after_upgrading_to_v2(dialect, fresh_url):
    asm.migrate(fresh_url)
    asm.rollback(fresh_url, steps=len(SHIPPED) - 1)
    assert applied(fresh_url) == [V1]
    insert_v1_rows_by_hand(dialect, fresh_url)

    assert asm.migrate(fresh_url) == SHIPPED[1:]

    with asm.connect(fresh_url) as store:
        session = store.get_session("ses_v1")
        assert (session.agent_id, session.status) == ("agent-v1", SessionStatus.PENDING)
        assert (session.metadata, session.context, session.tags) == ({}, {}, [])
        assert session.parent_session_id is None
        assert session.deleted_at is None
        assert session.created_at.tzinfo is not None

        run = store.get_run("run_v1")
        assert (run.session_id, run.status) == ("ses_v1", RunStatus.PENDING)
        assert (run.input, run.output, run.error, run.ended_at) == (None, None, None, None)
        assert (run.metadata, run.token_usage, run.turn_count) == ({}, {}, 0)
        assert (run.provider, run.provider_metadata) == (None, {})
        assert run.started_at.tzinfo is not None

        events = store.get_events("ses_v1")
        assert [(e.id, e.type, e.sequence_number) for e in events] == [
            ("evt_v1_a", EventType.SESSION_CREATED, 1),
            ("evt_v1_b", EventType.MESSAGE_SENT, 2),
        ]
        for e in events:
            assert (e.data, e.metadata, e.schema_version) == ({}, {}, 1)
            assert (e.run_id, e.provider, e.correlation_id) == (None, None, None)
            assert e.timestamp.tzinfo is not None

        assert store.get_latest_sequence("ses_v1") == 2
        new = store.append_event_with_sequence(Event.new(type="message_received", session_id="ses_v1"))
        assert new.sequence_number == 3
        assert store.get_latest_sequence("ses_v1") == 3
        assert [e.sequence_number for e in store.get_events("ses_v1")] == [1, 2, 3]


# --- the plain yoyo CLI, from a checkout --------------------------------------------------------


@functools.cache
def yoyo_command() -> list[str]:
    probe = subprocess.run([sys.executable, "-m", "yoyo", "--help"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "yoyo"]
    return [str(Path(sys.executable).with_name("yoyo"))]


def yoyo(*args: str) -> None:
    result = subprocess.run([*yoyo_command(), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"yoyo {args[0]} failed:\n{result.stdout}\n{result.stderr}"


def test_yoyo_cli_applies_rolls_back_and_reapplies_the_checkout_migrations(dialect, fresh_url):
    database = parse_url(fresh_url).yoyo_url()
    source = f"migrations/{dialect}"

    yoyo("apply", "--batch", "--database", database, source)
    assert applied(fresh_url) == SHIPPED
    assert_store_round_trips(fresh_url)

    yoyo("rollback", "--batch", "--all", "--database", database, source)
    assert applied(fresh_url) == []
    assert asm_tables(dialect, fresh_url) == set()

    yoyo("apply", "--batch", "--database", database, source)
    assert applied(fresh_url) == SHIPPED
    asm.connect(fresh_url).close()


# --- in-memory SQLite ---------------------------------------------------------------------------


def test_in_memory_sqlite_works_through_connect_with_migrate():
    with asm.connect("sqlite://:memory:", migrate=True) as store:
        session = Session.new(agent_id="agent-mem")
        store.save_session(session)
        assert store.get_session(session.id) == session
        for _ in range(3):
            store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id=session.id))
        assert [e.sequence_number for e in store.get_events(session.id)] == [1, 2, 3]
        assert store.get_latest_sequence(session.id) == 3


def test_in_memory_sqlite_cannot_be_migrated_from_outside_a_store():
    with pytest.raises(asm.ValidationError, match="migrate=True"):
        asm.migrate("sqlite://:memory:")


# --- the migration files themselves -------------------------------------------------------------


def test_every_dialect_ships_the_same_migration_ids():
    assert SHIPPED[0] == V1 and len(SHIPPED) >= 2
    for dialect in DIALECTS:
        assert migration_ids(dialect) == SHIPPED, dialect
    assert sorted(p.name for p in MIGRATIONS.iterdir() if p.is_dir()) == sorted(DIALECTS)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_forward_migration_has_a_rollback(dialect):
    sql_files = {p.name for p in (MIGRATIONS / dialect).glob("*.sql")}
    for id in migration_ids(dialect):
        assert f"{id}.rollback.sql" in sql_files, f"{dialect}/{id} has no rollback"
    rollbacks = {n.removesuffix(".rollback.sql") for n in sql_files if n.endswith(".rollback.sql")}
    assert rollbacks == set(migration_ids(dialect)), "a rollback file without its migration"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_migration_after_the_first_depends_on_the_previous_one(dialect):
    ids = migration_ids(dialect)
    for previous, path in zip(ids, forward_files(dialect)[1:]):
        depends = re.findall(r"^--\s*depends:\s*(.+)$", path.read_text(), re.MULTILINE)
        assert depends, f"{path.name} declares no -- depends:"
        assert previous in depends[0].split(), f"{path.name} must depend on {previous}"


def test_each_mysql_rollback_statement_pairs_with_its_migration_statement():
    # yoyo undoes a failed MySQL migration (its DDL has committed) by running, for each
    # statement done, the rollback statement at the same place from the end: the counts must
    # match, or it would run the wrong undo.
    from yoyo.migrations import read_sql_migration

    for id in migration_ids("mysql"):
        forward = read_sql_migration(str(MIGRATIONS / "mysql" / f"{id}.sql"))[2]
        backward = read_sql_migration(str(MIGRATIONS / "mysql" / f"{id}.rollback.sql"))[2]
        assert len(forward) == len(backward), id


@pytest.mark.parametrize("dialect", ["postgres"])
def test_a_non_transactional_postgres_rollback_pairs_each_statement_with_its_migration_statement(dialect):
    # yoyo undoes a failed non-transactional migration (its statements have committed) as it
    # does a MySQL one: the counts must match, or it would run the wrong undo.
    from yoyo.migrations import read_sql_migration

    for id in migration_ids(dialect):
        directives, _, forward = read_sql_migration(str(MIGRATIONS / dialect / f"{id}.sql"))
        if directives.get("transactional", "true") == "false":
            backward = read_sql_migration(str(MIGRATIONS / dialect / f"{id}.rollback.sql"))[2]
            assert len(forward) == len(backward), id


# --- online DDL: lock timeouts, concurrent index builds, re-runs ----------------------------------


def hold_a_read_of_asm_runs(dialect: str, url: str):
    """An open transaction that has read asm_runs: it keeps a lock every ALTER of the table waits for."""
    conn = connect_raw(url)
    # Ended by the server after 30 s idle, so a migration without a lock timeout fails the test
    # instead of hanging it.
    if dialect == "postgres":
        execute(dialect, conn, "SET idle_in_transaction_session_timeout = '30s'")
        conn.autocommit = False
    else:
        execute(dialect, conn, "SET SESSION wait_timeout = 30")
        conn.autocommit(False)
    execute(dialect, conn, "SELECT count(*) FROM asm_runs")
    return conn


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_a_migration_that_waits_for_a_lock_gives_up_after_the_lock_timeout_and_runs_again(dialect, fresh_url):
    """An ALTER queued behind a long transaction would hold up every query queued behind it:
    the migration gives up after its lock timeout (5 s) with a retryable error, and the next run,
    once the transaction is gone, finishes the job."""
    asm.migrate(fresh_url)
    asm.rollback(fresh_url, steps=len(SHIPPED) - 1)
    blocker = hold_a_read_of_asm_runs(dialect, fresh_url)
    try:
        with pytest.raises(asm.AsmError) as caught:
            asm.migrate(fresh_url)
    finally:
        try:
            blocker.rollback()
        finally:
            blocker.close()
    error = caught.value
    assert error.retryable is True, error
    assert error.details["migration"] == "0002.asm-v2", error.details
    assert applied(fresh_url) == [V1]
    assert asm.migrate(fresh_url) == SHIPPED[1:]
    assert_store_round_trips(fresh_url)


def postgres_statements(migration_id: str) -> list[str]:
    from yoyo.migrations import read_sql_migration

    return read_sql_migration(str(MIGRATIONS / "postgres" / f"{migration_id}.sql"))[2]


def mark_invalid(url: str, *indexes: str) -> None:
    """What a CONCURRENTLY build killed midway leaves: the index, INVALID (needs a superuser)."""
    run_sql("postgres", url, *(("UPDATE pg_index SET indisvalid = false WHERE indexrelid = CAST(? AS regclass)",
                                (name,)) for name in indexes))


CONCURRENT_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX CONCURRENTLY IF NOT EXISTS (\w+)")


def cut_short_and_finish(dialect: str, url: str, cuts: list[int] | None, migration_id: str = "0002.asm-v2") -> None:
    """0002 and 0005 commit statement by statement (they build indexes CONCURRENTLY): a run
    killed after statement k, even in the middle of an index build, which leaves that index
    INVALID, is finished by the next `asm.migrate`, and the schema is as a clean run makes it."""
    from test_schema_snapshot import catalog

    asm.migrate(url)
    clean = catalog(dialect, url)
    statements = postgres_statements(migration_id)
    assert CONCURRENT_INDEX.search(" ".join(statements)), f"{migration_id} builds its indexes CONCURRENTLY"
    newer = SHIPPED[SHIPPED.index(migration_id):]
    builds = [k for k, sql in enumerate(statements, 1) if CONCURRENT_INDEX.search(sql)]
    # By default (the full sweep is a stress test): the first statement, an ALTER, the first,
    # a middle and the last index build, the end.
    cuts = cuts or sorted({1, 3, builds[0], builds[len(builds) // 2], builds[-1], len(statements)})
    fresh_url = url
    for k in cuts:
        assert asm.rollback(fresh_url, steps=len(newer)) == newer[::-1]
        run_sql(dialect, fresh_url, *((sql, ()) for sql in statements[:k]))
        killed_during = CONCURRENT_INDEX.search(statements[k - 1])
        if killed_during:
            mark_invalid(fresh_url, killed_during.group(1))
        assert asm.migrate(fresh_url) == newer, f"after {k} of {len(statements)} statements"
        assert catalog(dialect, fresh_url) == clean, f"after {k} of {len(statements)} statements"
    assert_store_round_trips(fresh_url)


@pytest.mark.parametrize("dialect", ["postgres"])
@pytest.mark.parametrize("migration_id", ["0002.asm-v2", "0005.ordered-indexes"])
def test_a_postgres_migration_cut_short_is_finished_by_the_next_run(dialect, fresh_url, migration_id):
    cut_short_and_finish(dialect, fresh_url, None, migration_id)


@pytest.mark.stress
@pytest.mark.parametrize("dialect", ["postgres"])
def test_a_postgres_migration_cut_short_after_any_statement_is_finished_by_the_next_run(dialect, fresh_url):
    cut_short_and_finish(dialect, fresh_url, list(range(1, len(postgres_statements("0002.asm-v2")) + 1)))


@pytest.mark.parametrize("dialect", ["postgres"])
def test_invalid_leftovers_of_concurrent_builds_are_built_again(dialect, fresh_url):
    """IF NOT EXISTS alone would keep an INVALID index (unused by queries, yet updated by every
    write): the migration drops such leftovers and builds them again."""
    asm.migrate(fresh_url)
    asm.rollback(fresh_url, steps=len(SHIPPED) - 1)
    statements = postgres_statements("0002.asm-v2")
    run_sql(dialect, fresh_url, *((sql, ()) for sql in statements))  # every index built, 0002 unmarked
    built = [m.group(1) for m in map(CONCURRENT_INDEX.search, statements) if m]
    assert "asm_events_session_timestamp_idx" in built and "asm_runs_total_tokens_idx" in built
    mark_invalid(fresh_url, *built)
    invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
    conn = connect_raw(fresh_url)
    try:
        assert execute(dialect, conn, invalid) == [(len(built),)]
        assert asm.migrate(fresh_url) == SHIPPED[1:]
        assert execute(dialect, conn, invalid) == [(0,)]
        names = {row[0] for row in execute(dialect, conn, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    finally:
        conn.close()
    assert set(built) <= names
    assert_store_round_trips(fresh_url)
