"""Fixtures: every contract test runs once per dialect and per API (sync, async) against a
real, migrated database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

import asm
from asm.graph import AsyncGraphSessionStorage, GraphSessionStorage
from async_facade import AsyncStoreAsSync, EventLoopThread
from asm.drivers.urls import parse_url
from databases import DIALECTS, POSTGRES_ADMIN_URL, RawDatabase, create_database, drop_database


@pytest.fixture(scope="session")
def _migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per dialect for the whole run, created on first use."""
    urls: dict[str, str] = {}
    yield urls
    for dialect, url in urls.items():
        drop_database(dialect, url)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(dialect: str, _migrated_urls: dict[str, str], tmp_path_factory) -> str:
    if dialect not in _migrated_urls:
        url = create_database(dialect, tmp_path_factory.mktemp("sqlite"))
        asm.migrate(url)
        _migrated_urls[dialect] = url
    return _migrated_urls[dialect]


@pytest.fixture
def raw(dialect: str, database_url: str) -> Iterator[RawDatabase]:
    db = RawDatabase(dialect, database_url)
    db.clean()
    yield db
    db.close()


@pytest.fixture(scope="session")
def event_loop_thread() -> Iterator[EventLoopThread]:
    loop = EventLoopThread()
    yield loop
    loop.stop()


@pytest.fixture(params=("sync", "async"))
def api(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def connect(api: str, event_loop_thread: EventLoopThread):
    """`connect(url, **options)` for the current API: asm.connect, or asm.connect_async behind
    a synchronous facade (kind="graph": the graph storages). Stores it opened are closed
    after the test."""
    opened = []

    def open_store(url: str, *, kind: str = "session", **options):
        url, options = through_pooler(url, kind, options)
        sync_connect, async_connect = {
            "session": (asm.connect, asm.connect_async),
            "graph": (GraphSessionStorage.connect, AsyncGraphSessionStorage.connect),
        }[kind]
        if api == "sync":
            store = sync_connect(url, **options)
        else:
            store = AsyncStoreAsSync(event_loop_thread, event_loop_thread.run(async_connect(url, **options)))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


# Set by tests/topologies/test_pooler.py for a run of the contract suite through PgBouncer: the
# port of a transaction-mode PgBouncer in front of the test PostgreSQL server.
POOLER_PORT = os.environ.get("ASM_TEST_THROUGH_PGBOUNCER_PORT")


def through_pooler(url: str, kind: str, options: dict) -> tuple[str, dict]:
    """With POOLER_PORT set, a store on the test PostgreSQL server connects through PgBouncer
    (`pooler=transaction`, LISTEN on the direct URL), unless it migrates (refused there)."""
    parsed = parse_url(url)
    server = parse_url(POSTGRES_ADMIN_URL)
    if (POOLER_PORT is None or parsed.dialect != "postgres" or options.get("migrate")
            or (parsed.host, parsed.port) != (server.host, server.port)):
        return url, options
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[0]
    pooled = urlunsplit((parts.scheme, (netloc + "@" if netloc else "") + f"{server.host}:{POOLER_PORT}",
                         parts.path, "&".join(filter(None, (parts.query, "pooler=transaction"))), parts.fragment))
    if kind == "session":
        options = {"listen_url": url, **options}
    return pooled, options


@pytest.fixture
def store(raw: RawDatabase, connect) -> asm.SessionStore:
    """A store of the current API on an emptied, migrated database of the current dialect."""
    return connect(raw.url)


@pytest.fixture
def fresh_url(dialect: str, tmp_path_factory) -> Iterator[str]:
    """An empty database (no schema) of the current dialect, dropped afterwards."""
    url = create_database(dialect, tmp_path_factory.mktemp("fresh"))
    yield url
    drop_database(dialect, url)


@pytest.fixture
def graph(raw: RawDatabase, connect):
    """Graph session storage of the current API on an emptied, migrated database."""
    return connect(raw.url, kind="graph")
