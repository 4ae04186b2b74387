"""`init_command=` in a MySQL URL's query runs on each new connection of asm's pools (sync and
async) after asm's own settings, which stay: the way to give asm's connections a session
setting such as Galera's `wsrep_sync_wait` (README, "Galera")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import aiomysql
import pymysql

import asm
from asm import Event
from asm.drivers import mysql
from asm.drivers.urls import parse_url
from asm.errors import AsmError
from databases import create_database, drop_database

LIMIT_ONE = "init_command=SET+SESSION+sql_select_limit%3D1"
SETTINGS = "SELECT @@SESSION.sql_select_limit, @@SESSION.tx_isolation, @@SESSION.sql_notes"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = create_database("mysql", Path(tmp_path_factory.mktemp("unused")))
    asm.migrate(database)
    yield database
    drop_database("mysql", database)


def test_the_sync_pool_runs_the_urls_init_command_after_asms_own_settings(url: str) -> None:
    pool = mysql.Driver().open_pool(parse_url(f"{url}?{LIMIT_ONE}"), max_size=1)
    try:
        with pool.connection() as conn, conn.cursor(pymysql.cursors.Cursor) as cur:
            cur.execute(SETTINGS)
            rows = cur.fetchall()
    finally:
        pool.close()
    assert [tuple(r) for r in rows] == [(1, "READ-COMMITTED", 0)]


def test_the_async_pool_runs_it_too(url: str) -> None:
    async def main() -> Any:
        driver = mysql.AsyncDriver()
        pool = await driver.open_pool(parse_url(f"{url}?{LIMIT_ONE}"), max_size=1)
        try:
            async with pool.connection() as conn, conn.cursor(aiomysql.Cursor) as cur:
                await cur.execute(SETTINGS)
                return await cur.fetchall()
        finally:
            await pool.close()

    assert [tuple(r) for r in asyncio.run(main())] == [(1, "READ-COMMITTED", 0)]


def test_without_it_nothing_changes(url: str) -> None:
    pool = mysql.Driver().open_pool(parse_url(url), max_size=1)
    try:
        with pool.connection() as conn, conn.cursor(pymysql.cursors.Cursor) as cur:
            cur.execute(SETTINGS)
            (limit, isolation, notes), = cur.fetchall()
    finally:
        pool.close()
    assert limit > 1 and (isolation, notes) == ("READ-COMMITTED", 0)


def test_a_store_on_such_a_url_works_under_the_setting(url: str) -> None:
    with asm.connect(url) as plain:
        session = asm.Session.new(agent_id="init-command")
        plain.save_session(session)
        plain.append_event(Event.new(type="message_sent", session_id=session.id))
    # Read-only sessions: reads work, an append is refused by the server.
    with asm.connect(f"{url}?init_command=SET+SESSION+TRANSACTION+READ+ONLY") as read_only:
        assert len(read_only.get_events(session.id)) == 1
        with pytest.raises(AsmError) as raised:
            read_only.append_event(Event.new(type="message_sent", session_id=session.id))
    assert "READ ONLY" in str(raised.value)


def test_a_bad_init_command_is_an_asm_error_naming_it(url: str) -> None:
    with pytest.raises(AsmError) as raised:
        with asm.connect(f"{url}?init_command=SET+SESSION+no_such_variable%3D1") as store:
            store.get_events("s")
    assert "no_such_variable" in str(raised.value)


def test_migrations_run_it_too(tmp_path: Path) -> None:
    """yoyo hands the URL's query to PyMySQL: its connection runs the command as well."""
    fresh = create_database("mysql", tmp_path)
    try:
        with pytest.raises(AsmError) as raised:
            asm.migrate(f"{fresh}?init_command=SET+SESSION+no_such_variable%3D1")
        assert "no_such_variable" in str(raised.value)
        assert asm.migrate(f"{fresh}?init_command=SET+SESSION+sql_notes%3D0"), "a valid one migrates"
    finally:
        drop_database("mysql", fresh)
