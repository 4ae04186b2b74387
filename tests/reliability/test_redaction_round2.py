"""Passwords in database URLs, round 2 (issue #14, items 7 and 8).

- MySQL: a password outside Latin-1 (`€`) works, sent as UTF-8, on both APIs and in migrations;
  a wrong one is a StorageConnectionFailed that says nothing of it, along its whole chain.
- A password with raw `/`, `#`, `?`, `@`, `:`, `%`, spaces or any other character never shows,
  in part, in a printed URL, an error (of parsing, connecting, migrating) or the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from databases import MYSQL_ADMIN_URL, admin_connection, create_database, drop_database, execute, unavailable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asm
from asm.cli.main import main as cli_main
from asm.drivers.urls import parse_url

ASM = Path(sys.executable).parent / "asm"
# Not Latin-1 (€, —, ✓, 日本), Latin-1 but not ASCII (ö: it must go as UTF-8 too), and URL
# delimiters that the URL carries percent-encoded.
UTF8_PASSWORD = "p€ss—wörd✓日本/@:?#%"
WRONG_PASSWORD = "wr€ng—pässwörd✓"


def pieces(secret: str, size: int = 4) -> list[str]:
    """Every substring of `size` characters of `secret` (the whole of it when shorter)."""
    size = min(size, len(secret))
    return [secret[i:i + size] for i in range(len(secret) - size + 1)]


def chain(error: BaseException) -> list[BaseException]:
    """`error` and every exception along its __cause__ and __context__ links."""
    found, todo = [], [error]
    while todo:
        exc = todo.pop()
        if exc is not None and all(exc is not seen for seen in found):
            found.append(exc)
            todo += [exc.__cause__, exc.__context__]
    return found


def error_texts(error: BaseException) -> str:
    return "\n".join(text for exc in chain(error)
                     for text in (str(exc), repr(exc), repr(exc.args), repr(getattr(exc, "details", None))))


# --- item 7: a MySQL password outside Latin-1 --------------------------------------------------


@pytest.fixture
def utf8_mysql_user(tmp_path_factory):
    """A fresh MariaDB database and a user of it whose password is UTF8_PASSWORD; the URL
    (password percent-encoded), dropped afterwards."""
    database = create_database("mysql", tmp_path_factory.mktemp("utf8"))
    name = parse_url(database).database
    user = f"asm_u{uuid.uuid4().hex[:10]}"
    with admin_connection("mysql") as conn:
        execute("mysql", conn, f"CREATE USER '{user}'@'%' IDENTIFIED BY ?", (UTF8_PASSWORD,))
        execute("mysql", conn, f"GRANT ALL ON {name}.* TO '{user}'@'%'")
    admin = parse_url(MYSQL_ADMIN_URL)
    yield user, f"mysql://{user}:{quote(UTF8_PASSWORD, safe='')}@{admin.host}:{admin.port or 3306}/{name}"
    with admin_connection("mysql") as conn:
        execute("mysql", conn, f"DROP USER IF EXISTS '{user}'@'%'")
    drop_database("mysql", database)


def test_a_mysql_password_outside_latin1_connects_and_migrates(utf8_mysql_user, api, connect):
    _, url = utf8_mysql_user
    assert asm.migrate(url) != []
    store = connect(url)
    event = asm.Event.new(type="message_sent", session_id="s1")
    store.append_event(event)
    assert [e.id for e in store.get_events("s1")] == [event.id]
    assert asm.migrate(url) == []


def test_asm_migrate_on_the_command_line_takes_a_mysql_password_outside_latin1(utf8_mysql_user):
    _, url = utf8_mysql_user
    env = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
    result = subprocess.run([str(ASM), "--database", url, "migrate"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert asm.migration_status(url) and all(m.applied for m in asm.migration_status(url))


@pytest.mark.parametrize("encoded", [True, False], ids=["percent-encoded", "raw"])
def test_a_wrong_mysql_password_outside_latin1_fails_cleanly(utf8_mysql_user, api, connect, encoded):
    user, url = utf8_mysql_user
    written = quote(WRONG_PASSWORD, safe="") if encoded else WRONG_PASSWORD
    wrong = url.replace(quote(UTF8_PASSWORD, safe=""), written)
    # Every form the password could take on the way: as written, decoded, and as the bytes
    # PyMySQL sends read back as latin-1.
    forms = {WRONG_PASSWORD, written, WRONG_PASSWORD.encode().decode("latin-1")}
    for attempt in (lambda: connect(wrong, timeout=5), lambda: asm.migrate(wrong)):
        with pytest.raises(asm.StorageConnectionFailed) as info:
            attempt()
        said = error_texts(info.value)
        assert f"mysql://{user}:***@" in str(info.value)
        for piece in (p for form in forms for p in pieces(form)):
            assert piece not in said, f"{piece!r} shows in {said!r}"


# --- item 8: any password, however it is written -----------------------------------------------

CLOSED_PORT = 1  # nothing listens there: a connection is refused at once
SCHEMES = ("postgresql", "mysql", "sqlite")
# Characters that end or split a URL's parts, a few non-ASCII ones, and anything else.
MARKS = "/#?@:% &=;'\"\\[]\t\n€ö日"
password_texts = st.text(
    alphabet=st.one_of(st.sampled_from(MARKS), st.characters(blacklist_categories=("Cs",))),
    min_size=1, max_size=20,
)


def url_with(scheme: str, written: str) -> str:
    return f"{scheme}://u:{written}@127.0.0.1:{CLOSED_PORT}/db"


def _run_cli(*args: str) -> str:
    """`asm ARGS` in this process: what it printed (stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    handlers = list(logging.getLogger().handlers)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
            cli_main(list(args))
    finally:
        logging.getLogger().handlers[:] = handlers  # main() adds a NullHandler per call
    assert exit_.value.code == 1, (args, out.getvalue(), err.getvalue())
    return out.getvalue() + err.getvalue()


def _error_of(call) -> BaseException:
    try:
        call()
    except asm.AsmError as exc:
        return exc
    raise AssertionError("the call succeeded")


async def _connect_async(url: str) -> None:
    store = await asm.connect_async(url, timeout=5)
    await store.close()


# One loop for every async connect: aiosqlite's thread of a failed connect reports to its loop
# after the call has failed, and must not find it closed.
_LOOP = asyncio.new_event_loop()


def everything_shown(url: str) -> list[str]:
    """Every text asm gives out about `url`: its printed forms (or the error parsing it), the
    errors of both connects and of migrate, and the command line's output (plain and --json)."""
    try:
        parsed = parse_url(url)
        texts = [str(parsed), repr(parsed)]
    except asm.ValidationError as exc:
        texts = [error_texts(exc)]
    texts += [error_texts(_error_of(lambda: asm.connect(url, timeout=5))),
              error_texts(_error_of(lambda: _LOOP.run_until_complete(_connect_async(url)))),
              error_texts(_error_of(lambda: asm.migrate(url)))]
    texts += [_run_cli("--database", url, "sessions"), _run_cli("--database", url, "--json", "sessions")]
    return texts


@functools.cache
def innocent(scheme: str) -> str:
    """What asm says for passwords that are no part of what is tested (accepted, refused as
    ambiguous, refused for a NUL): text that shows there for any password is asm's own."""
    controls = ("Zq9Xw7Vk", "Zq9/Xw7Vk", "Zq9%00Xw7Vk")
    return "\n".join(t for c in controls for t in everything_shown(url_with(scheme, c)))


@pytest.fixture(scope="module")
def in_empty_directory(tmp_path_factory):
    """An SQLite URL names a file relative to the working directory: make that a scratch one."""
    before = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(before)


def _skip_unless_servers_run() -> None:
    for dialect in ("postgres", "mysql"):
        try:
            with admin_connection(dialect):
                pass
        except Exception as exc:
            unavailable(dialect, str(exc).splitlines()[0])


@pytest.mark.parametrize("scheme", SCHEMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=password_texts, encoded=st.booleans())
def test_no_part_of_any_password_ever_shows(scheme, password, encoded, in_empty_directory):
    _skip_unless_servers_run()
    written = quote(password, safe="") if encoded else password
    url = url_with(scheme, written)
    for text in everything_shown(url):
        # The URL shows, if at all, with its whole userinfo hidden...
        for userinfo in re.findall(r"://(.*?)@127\.0\.0\.1", text, re.DOTALL):
            assert userinfo == "u:***", text
        # ...and nothing else quotes any part of the password, as written or decoded.
        for piece in {p for form in (password, written) for p in pieces(form)}:
            assert piece not in text or piece in innocent(scheme), f"{piece!r} shows in {text!r}"


@pytest.mark.parametrize("written", [
    ":/%#? x",  # the example: everything after the first @ showed
    "p/w", "p#w", "p?w", "p@w/x", "a b/c", "€/@",
])
def test_a_password_with_raw_url_delimiters_is_refused_without_being_echoed(written):
    url = url_with("mysql", "s3c@" + written)
    with pytest.raises(asm.ValidationError) as info:
        parse_url(url)
    assert str(info.value).startswith(f"ambiguous database URL mysql://u:***@127.0.0.1:{CLOSED_PORT}/db: ")
    for piece in pieces("s3c@" + written):
        assert piece not in error_texts(info.value)


@pytest.mark.parametrize(("scheme", "says"), [("postgresql", "Connection refused"), ("mysql", "Can't connect to MySQL server")])
def test_a_one_character_password_leaves_the_message_readable(scheme, says, api, connect):
    _skip_unless_servers_run()
    for password in "eno":
        with pytest.raises(asm.StorageConnectionFailed) as info:
            connect(url_with(scheme, password), timeout=5)
        assert says in str(info.value), str(info.value)
