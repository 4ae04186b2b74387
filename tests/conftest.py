"""Fixtures: every contract test runs once per dialect against a real, migrated database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import asm
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


@pytest.fixture
def store(raw: RawDatabase) -> Iterator[asm.SessionStore]:
    """A store on an emptied, migrated database of the current dialect."""
    with asm.connect(raw.url) as s:
        yield s


@pytest.fixture
def fresh_url(dialect: str, tmp_path_factory) -> Iterator[str]:
    """An empty database (no schema) of the current dialect, dropped afterwards."""
    url = create_database(dialect, tmp_path_factory.mktemp("fresh"))
    yield url
    drop_database(dialect, url)
