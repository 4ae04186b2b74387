"""Database URLs: the accepted forms, and passwords never shown."""

import pytest

import asm
from asm.drivers.urls import parse_url, redact


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


# --- userinfo with raw delimiters (issue #14, item 8) ------------------------------------------


@pytest.mark.parametrize("url", [
    "mysql://u:p/w@h/db",
    "postgresql://u:p#w@h/db",
    "mariadb://u:p?w@h:3307/db",
    "postgresql://u:a@b/c@h/db",
    # An @ in the query after a port: a raw @ there reads like the end of a password.
    "postgresql://u:pw@h/db?application_name=a@b",
])
def test_a_url_that_reads_two_ways_is_refused_with_all_its_userinfo_hidden(url):
    with pytest.raises(asm.ValidationError) as info:
        parse_url(url)
    scheme, rest = url.split("://", 1)
    assert str(info.value).startswith(f"ambiguous database URL {scheme}://u:***@{rest.rpartition('@')[2]}: ")
    assert info.value.__context__ is None and info.value.__cause__ is None


@pytest.mark.parametrize(("url", "user", "password", "host", "database"), [
    ("mysql://u:s3c@r3t:pw@h/db", "u", "s3c@r3t:pw", "h", "db"),  # raw @ and : read as urlsplit does
    ("postgresql://u:p%2Fw%23%3F%40@h/db", "u", "p/w#?@", "h", "db"),
    ("postgresql://u@h/db?application_name=a@b", "u", None, "h", "db"),  # no password: nothing to hide
    ("postgresql:///db?host=/tmp&user=a:b@c", None, None, None, "db"),
    ("mysql://:pw@h/db", None, "pw", "h", "db"),
])
def test_userinfo_is_read_up_to_the_last_at_before_the_path(url, user, password, host, database):
    parsed = parse_url(url)
    assert (parsed.user, parsed.password, parsed.host, parsed.database) == (user, password, host, database)
    if password is not None:
        assert f"{user or ''}:***@{host}/" in str(parsed) and password not in str(parsed)


def test_drivers_get_the_userinfo_percent_encoded_in_full():
    # An invalid %-escape stays as written in the password, and libpq gets it escaped (libpq
    # would quote the bad token, the password, in its error).
    parsed = parse_url("postgresql://u:a%zz b@h:5433/db?sslmode=disable")
    assert parsed.password == "a%zz b"
    assert parsed.conninfo() == "postgresql://u:a%25zz%20b@h:5433/db?sslmode=disable"
    assert parsed.yoyo_url() == "postgresql+psycopg://u:a%25zz%20b@h:5433/db?sslmode=disable"


def test_mysql_passwords_go_as_utf8_and_to_yoyo_in_its_password_keyword():
    parsed = parse_url("mysql://u:p%E2%82%AC%C3%B6@h:3307/db?ssl=1")
    assert parsed.password == "p€ö"
    # PyMySQL and aiomysql send a str's latin-1 bytes: these are the password's UTF-8 bytes.
    assert parsed.mysql_password().encode("latin-1") == "p€ö".encode()
    # yoyo passes query arguments to PyMySQL as keywords (the userinfo's as the deprecated passwd=).
    assert parsed.yoyo_url() == "mysql://u@h:3307/db?ssl=1&password=p%C3%A2%C2%82%C2%AC%C3%83%C2%B6"
    in_query = parse_url("mysql://u@h/db?password=%E2%82%AC")
    assert in_query.mysql_password().encode("latin-1") == "€".encode()
    assert parse_url("mysql://root@h/db").yoyo_url() == "mysql://root@h/db"


@pytest.mark.parametrize("url", ["mysql://u:a%00b@h/db", "postgresql://u@h/db?password=%00", "mysql://u:\ud800@h/db"])
def test_nul_and_lone_surrogates_are_refused_without_quoting_the_password(url):
    with pytest.raises(asm.ValidationError) as info:
        parse_url(url)
    assert "a\x00b" not in str(info.value) and "\ud800" not in str(info.value)
    assert info.value.__context__ is None


def test_free_text_hides_all_of_any_userinfo():
    assert redact("x mysql://u:a/b c@d@127.0.0.1:1/db y") == "x mysql://u:***@127.0.0.1:1/db y"
    assert redact("at postgresql://u:p?w#x@[::1]:5432/db.") == "at postgresql://u:***@[::1]:5432/db."
    # A quoted user@host after the URL is no host: the message stays readable.
    said = "mysql://u:***@h/db: (1045, \"Access denied for user 'u'@'localhost'\")"
    assert redact(said) == said
    assert redact("sqlite:///data/a:b@c.db") == "sqlite:///data/a:b@c.db"


def test_a_one_character_password_is_not_searched_for_in_messages():
    assert redact("can't connect to server", "o") == "can't connect to server"
    assert redact("can't connect to p4ss", "p4ss") == "can't connect to ***"
