"""Migrating through a URL that carries a password warns about nothing: yoyo hands a MySQL
URL's userinfo password to PyMySQL as the deprecated `passwd=` keyword, so asm gives yoyo the
password as the `password=` query argument instead (DatabaseURL.yoyo_url), which yoyo passes
on as it is. Run on real servers with real passwords: a MySQL user made for the test, and the
PostgreSQL test server (which trusts any password, so one is simply given)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

import asm
from databases import admin_connection, create_database, drop_database, execute

PASSWORD = "s3cret-€"  # non-ASCII too: it reaches PyMySQL as the server hashed it


def with_password(url: str, user: str | None, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    name = user or parts.username or ""
    return parts._replace(netloc=f"{quote(name, safe='')}:{quote(password, safe='')}@{host}").geturl()


@pytest.fixture
def password_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    dialect = request.param
    url = create_database(dialect, tmp_path)
    user = None
    try:
        if dialect == "mysql":
            user = f"asm_pw_{uuid.uuid4().hex[:8]}"
            database = urlsplit(url).path.lstrip("/")
            with admin_connection("mysql") as conn:
                execute("mysql", conn, f"CREATE USER '{user}'@'%' IDENTIFIED BY ?", (PASSWORD,))
                execute("mysql", conn, f"GRANT ALL ON `{database}`.* TO '{user}'@'%'")
        yield with_password(url, user, PASSWORD)
    finally:
        if user is not None:
            with admin_connection("mysql") as conn:
                execute("mysql", conn, f"DROP USER IF EXISTS '{user}'@'%'")
        drop_database(dialect, url)


@pytest.mark.parametrize("password_url", ["mysql", "postgres"], indirect=True)
def test_migrating_with_a_password_in_the_url_warns_about_nothing(password_url: str, recwarn):
    applied = asm.migrate(password_url)
    assert applied, "the fresh database got the shipped migrations"
    assert all(status.applied for status in asm.migration_status(password_url))
    asm.rollback(password_url)
    assert asm.migrate(password_url) == applied[-1:]
    deprecations = [str(w.message) for w in recwarn if issubclass(w.category, DeprecationWarning)]
    assert deprecations == []
