"""Database URLs: the accepted forms, and passwords never shown."""

import pytest

import asm
from asm.db.urls import parse_url, redact


@pytest.mark.parametrize(("url", "dialect", "database"), [
    ("sqlite:///relative.db", "sqlite", "relative.db"),
    ("sqlite:////abs/path.db", "sqlite", "/abs/path.db"),
    ("sqlite://:memory:", "sqlite", ":memory:"),
    ("postgresql://u@h/db", "postgres", "db"),
    ("postgres://u:p@h:5433/db", "postgres", "db"),
    ("mysql://root@127.0.0.1/test", "mysql", "test"),
    ("mariadb://root:pw@127.0.0.1:3307/test", "mysql", "test"),
])
def test_accepted_urls(url, dialect, database):
    parsed = parse_url(url)
    assert (parsed.dialect, parsed.database) == (dialect, database)


def test_yoyo_gets_the_psycopg3_scheme():
    assert parse_url("postgres://u@h/db").yoyo_url() == "postgresql+psycopg://u@h/db"
    assert parse_url("mariadb://u@h/db").yoyo_url() == "mysql://u@h/db"


@pytest.mark.parametrize("url", ["", "asm.db", "oracle://x/y", "sqlite://", None])
def test_bad_urls_are_validation_errors(url):
    with pytest.raises(asm.ValidationError):
        parse_url(url)


def test_passwords_never_show():
    url = parse_url("postgresql://ana:hunter2@db.example/prod?sslmode=require")
    assert "hunter2" not in str(url) and "hunter2" not in repr(url)
    assert str(url) == "postgresql://ana:***@db.example/prod?sslmode=require"
    assert redact("host=db password=hunter2 user=ana") == "host=db password=*** user=ana"
    assert redact("failed for mysql://root:p%40ss@h/x") == "failed for mysql://root:***@h/x"
    assert redact("driver said p@ss!", "p@ss!") == "driver said ***"
