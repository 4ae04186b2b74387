"""Graph sessions, round 2 (issue #14 items 2 and 10).

Versions: `updated_at` is the version a compare-and-set save checks, so every write must move
it strictly forward, whatever the writer's clock says. A write whose version did not move lets
a runner holding the older copy save over it: an acknowledged message is erased.

Connecting: `GraphSessionStorage.connect` reads the catalog and creates the table only when it
is missing, so a role that may only read and write `sessions` connects, and connecting does
not queue behind another connection's open write transaction. `create_schema=False` never
creates anything: a missing table is a SchemaError.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta, timezone

import pytest

import asm
from asm.convert import parse_timestamp
from asm.migrations import migration_statements
from asm.drivers.urls import parse_url
from asm.graph import Context, GraphSession, operations
from databases import RawDatabase, connect_raw, execute

CLOCKS = {"stopped": timedelta(0), "behind": timedelta(hours=-1)}


def new_session(**fields) -> GraphSession:
    context = Context()
    context.chat_history.max_messages = None
    return GraphSession.new(graph_id="claims", current_task_id="start", context=context, **fields)


def stop_clock(monkeypatch, at) -> None:
    """Every `now` the graph operations take in Python is `at` from here on."""
    monkeypatch.setattr(operations, "utc_now", lambda: at)


def stored_version(raw, id):
    return parse_version(raw.scalar("SELECT updated_at FROM sessions WHERE id = ?", id))


def parse_version(value):
    if isinstance(value, str):
        return parse_timestamp(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# -- item 2: every write moves the version forward ------------------------------------------


@pytest.mark.parametrize("clock", CLOCKS)
def test_an_append_moves_the_version_so_a_stale_compare_and_set_save_conflicts(graph, monkeypatch, clock):
    session = new_session()
    graph.save(session)
    stop_clock(monkeypatch, session.updated_at + CLOCKS[clock])
    runner = graph.get(session.id)
    graph.append_message(session.id, "User", "acknowledged")
    runner.current_task_id = "review"
    with pytest.raises(asm.ConflictError):
        graph.save(runner, expect_unchanged=True)
    assert [m.content for m in graph.get(session.id).context.chat_history.messages] == ["acknowledged"]


@pytest.mark.parametrize("clock", CLOCKS)
def test_an_upsert_moves_the_version_so_a_stale_compare_and_set_save_conflicts(graph, monkeypatch, clock):
    session = new_session()
    graph.save(session)
    stop_clock(monkeypatch, session.updated_at + CLOCKS[clock])
    runner = graph.get(session.id)
    # Another writer replaces the session with an object it never loaded.
    graph.save(new_session(id=session.id, status_message="replaced"))
    runner.current_task_id = "review"
    with pytest.raises(asm.ConflictError):
        graph.save(runner, expect_unchanged=True)
    assert graph.get(session.id).status_message == "replaced"


@pytest.mark.parametrize("clock", CLOCKS)
def test_every_write_path_gives_a_strictly_greater_version(graph, raw, monkeypatch, clock):
    session = new_session()
    graph.save(session)
    stop_clock(monkeypatch, session.updated_at + CLOCKS[clock])
    versions = [stored_version(raw, session.id)]
    other = graph.get(session.id)
    writes = [
        lambda: graph.append_message(session.id, "User", "one"),
        lambda: graph.save(session),                           # upsert of an object saved before
        lambda: graph.save(new_session(id=session.id)),        # upsert of a never-loaded object
        lambda: graph.append_message(session.id, "Assistant", "two"),
        lambda: graph.save(graph.get(session.id), expect_unchanged=True),
        lambda: graph.save(other),                             # upsert of an old copy
        lambda: graph.append_message(session.id, "User", "three"),
    ]
    for write in writes:
        write()
        versions.append(stored_version(raw, session.id))
    assert all(a < b for a, b in zip(versions, versions[1:])), versions
    assert graph.get(session.id).updated_at == versions[-1]


def test_a_save_reports_the_version_it_stored(graph, raw, monkeypatch):
    session = new_session()
    graph.save(session)
    stop_clock(monkeypatch, session.updated_at - timedelta(days=1))
    graph.append_message(session.id, "User", "moves it")
    copy = graph.get(session.id)
    graph.save(copy)
    assert copy.updated_at == stored_version(raw, session.id) > session.updated_at
    graph.save(copy, expect_unchanged=True)
    assert copy.updated_at == stored_version(raw, session.id)


def test_a_session_stored_without_a_version_gets_one_at_its_next_write(graph, raw):
    session = new_session()
    graph.save(session)
    raw.execute("UPDATE sessions SET updated_at = NULL WHERE id = ?", session.id)
    graph.append_message(session.id, "User", "hello")
    assert raw.scalar("SELECT updated_at FROM sessions WHERE id = ?", session.id) is not None
    loaded = graph.get(session.id)
    loaded.current_task_id = "review"
    graph.save(loaded, expect_unchanged=True)
    assert graph.get(session.id).current_task_id == "review"


# -- item 10: connecting reads the catalog, creates only what is missing ----------------------


def test_create_schema_false_without_the_table_is_a_schema_error(fresh_url, connect):
    with pytest.raises(asm.SchemaError) as info:
        connect(fresh_url, kind="graph", create_schema=False)
    assert "migrate" in str(info.value)
    storage = connect(fresh_url, kind="graph")  # the default creates it
    session = new_session()
    storage.save(session)
    assert connect(fresh_url, kind="graph", create_schema=False).get(session.id) == session


LIST_INDEXES = ("sessions_graph_id_idx", "sessions_created_at_idx")


def test_a_table_without_the_list_indexes_gets_them_unless_create_schema_is_false(dialect, fresh_url, connect):
    if dialect == "mysql":
        pytest.skip("MySQL creates the list indexes in its CREATE TABLE")
    raw = RawDatabase(dialect, fresh_url)
    try:
        # The table as the seed creates it: no list indexes.
        raw.execute(migration_statements(dialect, only=operations.GRAPH_MIGRATION)[0])
        catalog = ("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN (?, ?)"
                   if dialect == "sqlite" else
                   "SELECT count(*) FROM pg_indexes WHERE indexname IN (?, ?)")
        connect(fresh_url, kind="graph", create_schema=False).save(new_session())
        assert raw.scalar(catalog, *LIST_INDEXES) == 0
        connect(fresh_url, kind="graph")
        assert raw.scalar(catalog, *LIST_INDEXES) == 2
    finally:
        raw.close()


def test_create_schema_false_works_on_a_migrated_database(graph, raw, connect):
    storage = connect(raw.url, kind="graph", create_schema=False)
    session = new_session()
    storage.save(session)
    assert graph.get(session.id) == session


def test_prepare_threshold_is_a_connect_option(raw, connect):
    storage = connect(raw.url, kind="graph", prepare_threshold=None)
    session = new_session()
    storage.save(session)
    assert storage.get(session.id) == session


@pytest.fixture
def limited_url(dialect, raw):
    """The URL of a login that may only SELECT, INSERT, UPDATE and DELETE on `sessions`."""
    if dialect == "sqlite":
        pytest.skip("SQLite has no roles")
    url = parse_url(raw.url)
    name, password = f"asm_lp_{uuid.uuid4().hex[:10]}", "lp-pass"
    if dialect == "postgres":
        raw.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        raw.execute(f"GRANT CONNECT ON DATABASE {url.database} TO {name}")
        raw.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        raw.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO {name}")
        yield f"postgresql://{name}:{password}@{url.host}:{url.port or 5432}/{url.database}"
        raw.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?", name)
        raw.execute(f"DROP OWNED BY {name}")
        raw.execute(f"DROP ROLE {name}")
    else:
        raw.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'")
        raw.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {url.database}.sessions TO '{name}'@'%'")
        yield f"mysql://{name}:{password}@{url.host}:{url.port or 3306}/{url.database}"
        raw.execute(f"DROP USER '{name}'@'%'")


def test_a_role_that_may_only_read_and_write_sessions_connects(limited_url, connect):
    storage = connect(limited_url, kind="graph")
    session = new_session()
    storage.save(session)
    storage.append_message(session.id, "User", "hello")
    loaded = storage.get(session.id)
    loaded.current_task_id = "review"
    storage.save(loaded, expect_unchanged=True)
    assert [s.id for s in storage.list(graph_id="claims").sessions] == [session.id]
    storage.delete(session.id)
    storage.close()


def test_connect_does_not_wait_for_an_open_write_transaction(dialect, raw, connect):
    writer = connect_raw(raw.url)
    try:
        execute(dialect, writer, "BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
        execute(dialect, writer,
                "INSERT INTO sessions (id, graph_id, current_task_id, context, created_at, updated_at)"
                " VALUES (?, 'g', 't', ?, ?, ?)",
                (str(uuid.uuid4()), '{"data": {}, "chat_history": {"messages": [], "max_messages": null}}',
                 "2025-01-01T00:00:00.000000Z" if dialect == "sqlite" else "2025-01-01 00:00:00",
                 "2025-01-01T00:00:00.000000Z" if dialect == "sqlite" else "2025-01-01 00:00:00"))
        opened = []
        thread = threading.Thread(target=lambda: opened.append(connect(raw.url, kind="graph")), daemon=True)
        thread.start()
        # Not a timing assert: before the fix connect waited until the writer finished.
        thread.join(20)
        connected_meanwhile = not thread.is_alive()
        still_open = _in_transaction(dialect, writer)
    finally:
        execute(dialect, writer, "ROLLBACK")
        writer.close()
    thread.join(40)
    assert connected_meanwhile and still_open
    assert opened, "connect failed"


def _in_transaction(dialect, conn) -> bool:
    if dialect == "postgres":
        import psycopg
        return conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    if dialect == "sqlite":
        return conn.in_transaction
    # The server's status flags of the last reply, not information_schema.innodb_trx: InnoDB
    # refreshes that table's cache at most every 100 ms, so it may predate the INSERT.
    from pymysql.constants import SERVER_STATUS

    execute(dialect, conn, "SELECT 1")
    return bool(conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)
