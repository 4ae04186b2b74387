"""Fixtures: every contract test runs once per dialect and per API (sync, async) against a
real, migrated database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import asm
from asm.graph import AsyncGraphSessionStorage, GraphSessionStorage
from async_facade import AsyncStoreAsSync, EventLoopThread
from databases import DIALECTS, RawDatabase, create_database, drop_database


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
