"""docs/behaviour.md#credentials: a password in a database URL never shows in an error (message, repr,
details, the chained driver exceptions, the traceback), a log record (any logger, DEBUG) or
the output of the command line, however the connection fails."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from databases import MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, RawDatabase

import asm
from asm.drivers.urls import parse_url

SECRET = "s3cr3t-pw"
# A raw @ in a password: its two halves must not show either.
SPLIT = ("s3c", "r3t-pw")
LOGGERS = ("", "asm", "psycopg", "psycopg.pool", "yoyo", "pymysql", "aiomysql", "aiosqlite", "asyncio")
ASM = Path(sys.executable).parent / "asm"


def _server(admin_url: str) -> str:
    """host:port of a test server."""
    parsed = parse_url(admin_url)
    return f"{parsed.host}:{parsed.port}"


PG = _server(POSTGRES_ADMIN_URL)
MY = _server(MYSQL_ADMIN_URL)
FAILING = {
    "postgres": {
        "unknown-database": f"postgresql://postgres:{SECRET}@{PG}/nonexistent_db",
        "wrong-port": f"postgresql://postgres:{SECRET}@127.0.0.1:1/x",
        "wrong-host": f"postgresql://postgres:{SECRET}@nonexistent.invalid:5432/x",
        "password-in-query": f"postgresql://postgres@{PG}/nonexistent_db?password={SECRET}",
        "password-in-query-and-bad-option": f"postgresql://postgres@{PG}/x?password={SECRET}&bogus=1",
        "bad-sslmode": f"postgresql://postgres:{SECRET}@{PG}/x?sslmode=bogus",
        "raw-at-in-password": f"postgresql://nobody:{'@'.join(SPLIT)}@{PG}/x",
        # Raw / ? # in a password, with or without more @: the URL is refused, never echoed.
        "raw-slash-in-password": f"postgresql://nobody:{'/'.join(SPLIT)}@{PG}/x",
        "raw-marks-and-at-in-password": f"postgresql://nobody:{SPLIT[0]}@:/%#? {SPLIT[1]}@{PG}/x",
        "bad-ipv6-host": f"postgresql://postgres:{SECRET}@[::1/x",
        "bad-port": f"postgresql://postgres:{SECRET}@127.0.0.1:99999/x",
    },
    "mysql": {
        "wrong-password": f"mysql://root:{SECRET}@{MY}/nonexistent_db",
        "unknown-user": f"mysql://nobody:{SECRET}@{MY}/x",
        "wrong-port": f"mysql://root:{SECRET}@127.0.0.1:1/x",
        "wrong-host": f"mysql://root:{SECRET}@nonexistent.invalid/x",
        "password-in-query": f"mysql://root@{MY}/x?password={SECRET}",
        "raw-at-in-password": f"mysql://nobody:{'@'.join(SPLIT)}@{MY}/x",
        "raw-slash-in-password": f"mysql://nobody:{'/'.join(SPLIT)}@{MY}/x",
        "raw-marks-and-at-in-password": f"mysql://nobody:{SPLIT[0]}@:/%#? {SPLIT[1]}@{MY}/x",
        "utf8-password": f"mysql://root:{SECRET}%E2%82%AC@{MY}/x",
        "bad-port": f"mysql://root:{SECRET}@127.0.0.1:abc/x",
    },
}
CASES = [pytest.param(d, name, id=f"{d}-{name}") for d in FAILING for name in FAILING[d]]


def secrets_in(url: str) -> list[str]:
    """SECRET, or both its halves when something (a raw @, /, ...) stands between them."""
    return [SECRET] if SECRET in url else list(SPLIT)


def everything_said(error: BaseException) -> str:
    """Every text an error carries: along its __cause__/__context__ chain, each message, repr,
    args and details, and the formatted traceback."""
    texts, seen, todo = [], set(), [error]
    while todo:
        exc = todo.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        texts += [str(exc), repr(exc), repr(exc.args), repr(getattr(exc, "details", None))]
        todo += [exc.__cause__, exc.__context__]
    texts.append("".join(traceback.format_exception(error)))
    return "\n".join(texts)


def assert_hidden(url: str, *texts: str) -> None:
    for secret in secrets_in(url):
        for text in texts:
            assert secret not in text, f"{secret!r} shows in {text[:2000]!r}"


@pytest.fixture
def all_logs(caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _skip_unless_reachable(dialect: str) -> None:
    # The admin connection tells whether the server runs (skips locally, fails in CI).
    from databases import admin_connection, unavailable

    try:
        with admin_connection(dialect):
            pass
    except Exception as exc:
        unavailable(dialect, str(exc).splitlines()[0])


@pytest.mark.parametrize(("dialect", "case"), CASES)
def test_a_failing_connect_never_shows_the_password(dialect, case, connect, all_logs):
    _skip_unless_reachable(dialect)
    url = FAILING[dialect][case]
    with pytest.raises(asm.AsmError) as info:
        connect(url, timeout=5)
    assert isinstance(info.value, (asm.ValidationError, asm.StorageError, asm.SchemaError))
    assert_hidden(url, everything_said(info.value), all_logs.text)


@pytest.mark.parametrize(("dialect", "case"), CASES)
def test_a_failing_migration_never_shows_the_password(dialect, case, all_logs):
    _skip_unless_reachable(dialect)
    url = FAILING[dialect][case]
    for call in (asm.migrate, asm.migration_status, asm.rollback):
        with pytest.raises(asm.AsmError) as info:
            call(url)
        assert_hidden(url, everything_said(info.value), all_logs.text)


def test_a_working_store_with_a_password_never_shows_it(raw, connect, fresh_url, all_logs):
    if raw.dialect != "postgres":
        pytest.skip("the PostgreSQL test server trusts any password; MySQL's root has none")
    url = raw.url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
    store = connect(url)
    store.append_event(asm.Event.new(type="message_sent", session_id="s1"))
    assert_hidden(url, str(store.url), repr(store.url), repr(store))

    # A statement failing on a connected store: the table is gone.
    db = RawDatabase(raw.dialect, fresh_url)
    asm.migrate(fresh_url)
    broken = connect(fresh_url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@"))
    db.execute("DROP TABLE asm_events")
    db.close()
    with pytest.raises(asm.SchemaError) as info:
        broken.get_events("s1")
    assert "***" in info.value.details["database"]
    assert_hidden(url, everything_said(info.value), all_logs.text)


def test_a_database_without_the_schema_says_how_to_migrate_without_the_password(fresh_url, connect, all_logs):
    if not fresh_url.startswith("postgresql://postgres@"):
        pytest.skip("the PostgreSQL test server trusts any password; MySQL's root has none")
    url = fresh_url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
    with pytest.raises(asm.SchemaError) as info:
        connect(url)
    assert "asm migrate --database postgresql://postgres:***@" in str(info.value)
    assert_hidden(url, everything_said(info.value), all_logs.text)


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_the_command_line_never_shows_the_password(dialect, tmp_path):
    _skip_unless_reachable(dialect)
    env = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
    commands = [
        [str(ASM), *flag, command]
        for url in FAILING[dialect].values()
        for flag, command in ((["--database", url], "sessions"), ([f"--database={url}", "--json"], "migrate"))
    ]
    env_url = FAILING[dialect]["raw-at-in-password"]
    # The URL from the environment: $ASM_DATABASE_URL, or its fallback $DATABASE_URL.
    from_env = [([str(ASM), "migrate", "--status"], "ASM_DATABASE_URL"),
                ([str(ASM), "show", "ses_x"], "ASM_DATABASE_URL"),
                ([str(ASM), "sessions"], "DATABASE_URL"), ([str(ASM), "--json", "migrate"], "DATABASE_URL")]
    environments = [env] * len(commands) + [{**env, variable: env_url} for _, variable in from_env]
    commands += [c for c, _ in from_env]
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=e)
        for c, e in zip(commands, environments, strict=True)
    ]
    for args, process in zip(commands, processes, strict=True):
        out, err = process.communicate(timeout=120)
        url = next((a.removeprefix("--database=") for a in args if "://" in a), env_url)
        assert process.returncode == 1, (args, out, err)
        # With --json the one line is a JSON document (issue 20, item 7).
        start = '{"error": ' if "--json" in args else "error: "
        assert out == "" and err.startswith(start) and len(err.splitlines()) == 1, (args, out, err)
        assert "Traceback" not in err
        assert_hidden(url, out, err)


@pytest.mark.parametrize(("url", "shown"), [
    (f"postgresql://u:{'@'.join(SPLIT)}@db.example:5432/x?a=1", "postgresql://u:***@db.example:5432/x?a=1"),
    (f"mysql://u:{'@'.join(SPLIT)}@h/x", "mysql://u:***@h/x"),
    (f"postgresql://u:{SECRET}@h/x?password={SECRET}", "postgresql://u:***@h/x?password=***"),
    (f"postgresql://u@h/x?sslmode=require&password={SECRET}", "postgresql://u@h/x?sslmode=require&password=***"),
])
def test_urls_print_without_any_part_of_the_password(url, shown):
    parsed = parse_url(url)
    assert str(parsed) == shown and repr(parsed) == f"DatabaseURL({shown!r})"


def test_a_raw_at_in_a_password_reaches_libpq_as_the_whole_password():
    # urlsplit (hence asm's printing, PyMySQL and yoyo) ends the password at the last @; libpq
    # would end it at the first and take the rest as the host name, printing it in its errors.
    parsed = parse_url(f"postgresql://u:{'@'.join(SPLIT)}@db.example:5432/x?a=1")
    assert parsed.password == "@".join(SPLIT)
    assert parsed.conninfo() == f"postgresql://u:{'%40'.join(SPLIT)}@db.example:5432/x?a=1"
    plain = "postgresql://u:p%2Fw@db.example/x"
    assert parse_url(plain).conninfo() == plain
