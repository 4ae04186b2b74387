"""docs/behaviour.md#command-line: `asm` does not lose or invent data by accident. A rollback
that drops data asks first (or needs --yes) and can be previewed; read commands never create a
SQLite file; URLs that mean something else than they seem are refused; connection refusals say
what was refused."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

import asm
from asm.drivers.urls import parse_url
from test_cli import ENV, assert_one_error_line, command, ok, run_all


def applied(url: str) -> list[str]:
    return [m.id for m in asm.migration_status(url) if m.applied]


def test_a_rollback_that_drops_data_is_refused_without_yes_and_can_be_previewed(dialect, fresh_url):
    asm.migrate(fresh_url)
    everything = applied(fresh_url)
    refused_one, refused_all, refused_json, preview, preview_json = run_all(
        command(fresh_url, "migrate", "--rollback", "--steps", "3"),
        command(fresh_url, "migrate", "--rollback", "--steps", "10"),
        command(fresh_url, "--json", "migrate", "--rollback", "--steps", "3"),
        command(fresh_url, "migrate", "--rollback", "--steps", "10", "--dry-run"),
        command(fresh_url, "--json", "migrate", "--rollback", "--steps", "4", "--sql"),
    )
    for refused in (refused_one, refused_all):
        line = assert_one_error_line(refused)
        assert refused.returncode == 2 and "--yes" in line and "drops" in line
    assert "0006.langgraph" in refused_one.stderr and "0001.asm-v1" in refused_all.stderr
    assert refused_json.returncode == 2
    assert json.loads(refused_json.stderr)["error"]["code"] == "usage_error"
    assert preview.returncode == 0 and preview.stderr == ""
    assert preview.stdout.startswith("would roll back " + ", ".join(reversed(everything)))
    assert "DROP TABLE IF EXISTS asm_langgraph_checkpoints" in preview.stdout
    assert "-- 0003.graph-sessions (drops data)" in preview.stdout
    plan = json.loads(preview_json.stdout)["would_roll_back"]
    # PostgreSQL's 0008 drops the column of the long polls' marks; elsewhere 0008 is empty.
    assert [(step["id"], step["drops_data"]) for step in plan] == [("0008.watched-notifications",
                                                                   dialect == "postgres"),
                                                                  ("0007.cached-write-plans", False),
                                                                  ("0006.langgraph", True),
                                                                  ("0005.ordered-indexes", False)]
    assert any("DROP TABLE" in statement for statement in plan[2]["statements"])
    assert applied(fresh_url) == everything  # nothing was rolled back

    marks = ["--yes"] if dialect == "postgres" else []
    (notifications,) = ok(command(fresh_url, "--json", "migrate", "--rollback", *marks))
    assert json.loads(notifications.stdout)["rolled_back"] == ["0008.watched-notifications"]
    # 0007's rollback drops functions only: no confirmation needed.
    (functions,) = ok(command(fresh_url, "--json", "migrate", "--rollback"))
    assert json.loads(functions.stdout)["rolled_back"] == ["0007.cached-write-plans"]
    (done,) = ok(command(fresh_url, "--json", "migrate", "--rollback", "--yes"))
    assert json.loads(done.stdout)["rolled_back"] == ["0006.langgraph"]
    # 0005's rollback only rebuilds indexes: no confirmation needed.
    (indexes,) = ok(command(fresh_url, "--json", "migrate", "--rollback"))
    assert json.loads(indexes.stdout)["rolled_back"] == ["0005.ordered-indexes"]
    assert applied(fresh_url) == everything[:-4]


def test_a_migrate_dry_run_shows_the_pending_sql_and_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    (shown,) = ok(command(url, "migrate", "--dry-run"))
    assert shown.stdout.startswith("would apply 0001.asm-v1, ")
    assert "CREATE TABLE asm_sessions" in shown.stdout
    assert not (tmp_path / "new.db").exists()
    asm.migrate(url)
    (none,) = ok(command(url, "migrate", "--dry-run"))
    assert none.stdout.strip() == f"nothing to apply on {url}"


def on_terminal(args: list[str], answer: bytes | None = None, interrupt: bool = False) -> tuple[int, str]:
    """Run `args` with stdin and stderr on a pseudo-terminal; answer the first prompt (or
    interrupt it as Ctrl-C does, with SIGINT). (exit code, what the terminal showed)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdin=follower, stderr=follower, stdout=subprocess.PIPE, env=ENV)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 60
    next_interrupt = 0.0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    shown += os.read(leader, 4096)
                except OSError:
                    break
            if b"[y/N]" in shown and answer is not None:
                os.write(leader, answer)
                answer = None
            elif b"[y/N]" in shown and interrupt and time.monotonic() > next_interrupt:
                # What Ctrl-C sends. Again after a while: one that lands just before the
                # prompt's read blocks is noted but does not wake it (a person presses later).
                process.send_signal(signal.SIGINT)
                next_interrupt = time.monotonic() + 2
        process.wait(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} did not end; the terminal showed {shown!r}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return process.returncode, shown.decode(errors="replace")


def test_on_a_terminal_a_rollback_that_drops_data_asks_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'asked.db'}"
    code, shown = on_terminal(command(url, "migrate"))
    assert code == 0 and "migrating" in shown  # the progress bar, on the terminal's stderr
    everything = applied(url)
    # Three steps: the newest two (0008, 0007) drop no data here, 0006 drops tables.
    code, shown = on_terminal(command(url, "migrate", "--rollback", "--steps", "3"), answer=b"n\n")
    assert code == 1 and "drops tables or columns" in shown and "nothing rolled back" in shown
    assert applied(url) == everything
    code, shown = on_terminal(command(url, "migrate", "--rollback", "--steps", "3"), interrupt=True)
    assert code == 130 and applied(url) == everything
    code, _ = on_terminal(command(url, "migrate", "--rollback", "--steps", "3"), answer=b"y\n")
    assert code == 0 and applied(url) == everything[:-3]


def test_migrate_draws_no_progress_bar_when_not_on_a_terminal(tmp_path):
    (result,) = ok(command(f"sqlite:///{tmp_path / 'piped.db'}", "migrate"))  # ok(): stderr is empty
    assert result.stdout.startswith("applied 0001.asm-v1")


READ_COMMANDS = [["sessions"], ["show", "ses_x"], ["events", "ses_x"], ["usage"], ["export", "ses_x"],
                 ["import", "-"], ["migrate", "--rollback", "--yes"], ["migrate", "--break-lock"]]


def test_read_commands_do_not_create_a_sqlite_file(tmp_path):
    typo = tmp_path / "typo.db"
    results = run_all(*(command(f"sqlite:///{typo}", *args) for args in READ_COMMANDS))
    for result in results:
        line = assert_one_error_line(result)
        assert result.returncode == 1 and f"no SQLite database at {typo}" in line and "asm migrate" in line
    assert not typo.exists()
    # `migrate --status` shows what a file that is not there would get, creating nothing.
    (status,) = ok(command(f"sqlite:///{typo}", "--json", "migrate", "--status"))
    assert [m["applied"] for m in json.loads(status.stdout)["migrations"]] == [False] * 8
    assert not typo.exists()
    # Only migrate and demo create one.
    ok(command(f"sqlite:///{tmp_path / 'a.db'}", "migrate"), command(f"sqlite:///{tmp_path / 'b.db'}", "demo"))
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()


def test_a_sqlite_url_with_two_slashes_is_refused_showing_the_right_form(tmp_path):
    results = run_all(command("sqlite://x.db", "sessions"), command("sqlite://x.db", "migrate"), cwd=tmp_path)
    for result in results:
        line = assert_one_error_line(result)
        assert "sqlite:///x.db" in line and "sqlite:////" in line
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(asm.ValidationError, match="sqlite:///x.db"):
        parse_url("sqlite://x.db")
    with pytest.raises(asm.ValidationError):
        asm.connect("sqlite://x.db")
    assert parse_url("sqlite://:memory:").is_memory  # the memory form keeps its two slashes


def test_a_missing_directory_is_named(tmp_path):
    missing = tmp_path / "nodir"
    url = f"sqlite:///{missing / 'x.db'}"
    for result in run_all(command(url, "sessions"), command(url, "migrate"), command(url, "demo")):
        line = assert_one_error_line(result)
        assert result.returncode == 1 and f"the directory {missing} does not exist" in line
    with pytest.raises(asm.StorageConnectionFailed, match=f"the directory {missing} does not exist"):
        asm.connect(url)
    assert not missing.exists()


def test_a_mysql_url_without_a_database_is_refused_when_parsed():
    for url in ("mysql://root@127.0.0.1", "mysql://root@127.0.0.1:3306/", "mariadb://u:secret@h"):
        with pytest.raises(asm.ValidationError, match="names no database") as info:
            parse_url(url)
        assert "secret" not in str(info.value)
    (result,) = run_all(command("mysql://root@127.0.0.1", "sessions"))
    assert "names no database" in assert_one_error_line(result) and "1046" not in result.stderr


def test_refusals_say_what_was_refused(dialect, raw):
    if dialect == "sqlite":
        pytest.skip("SQLite has no users or server databases")
    server = raw.url.rsplit("/", 1)[0]
    user_url = {"postgres": raw.url.replace("://postgres@", "://asm_no_such_role@", 1),
                "mysql": raw.url.replace("://root@", "://root:secret@", 1)}[dialect]
    unknown, denied = run_all(command(f"{server}/asm_no_such_database", "sessions"), command(user_url, "sessions"))
    unknown_line, denied_line = assert_one_error_line(unknown), assert_one_error_line(denied, secret="secret")
    assert "cannot reach" not in unknown_line + denied_line
    assert "database" in unknown_line and "asm_no_such_database" in unknown_line and "does not exist" in unknown_line
    expected = {"postgres": 'access denied for user "asm_no_such_role"', "mysql": "access denied for user 'root'@"}
    assert expected[dialect] in denied_line
    with pytest.raises(asm.StorageConnectionFailed) as info:
        asm.connect(f"{server}/asm_no_such_database")
    assert info.value.details["reason"] == "unknown_database" and not info.value.retryable
