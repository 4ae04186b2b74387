"""The `asm` console script (docs/behaviour.md#command-line), driven in a subprocess on every dialect.

Independent invocations run concurrently (`run_all`) to keep the file fast.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import asm
from asm import Event, EventType, Run, Session
from asm.drivers.urls import parse_url

ASM = Path(sys.executable).parent / "asm"
ENV = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
TIMEOUT_S = 120


def command(url: str | None, *args: str) -> list[str]:
    return [str(ASM), *(["--database", url] if url else []), *args]


def run_all(*commands: list[str], env: dict | None = None,
            cwd: Path | None = None) -> list[subprocess.CompletedProcess]:
    """Start every command at once; their results, in order."""
    started = [(c, subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env or ENV, cwd=cwd)) for c in commands]
    results = []
    for args, process in started:
        out, err = process.communicate(timeout=TIMEOUT_S)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def ok(*commands: list[str], **options) -> list[subprocess.CompletedProcess]:
    results = run_all(*commands, **options)
    for result in results:
        assert result.returncode == 0, f"{result.args}: {result.stderr}"
        assert result.stderr == "", f"{result.args}: {result.stderr}"
    return results


def run(url: str | None, *args: str) -> subprocess.CompletedProcess:
    (result,) = ok(command(url, *args))
    return result


def run_json(url: str | None, *args: str):
    return json.loads(run(url, "--json", *args).stdout)


def assert_one_error_line(result: subprocess.CompletedProcess, *, secret: str | None = None) -> str:
    assert result.returncode != 0, f"{result.args} succeeded: {result.stdout}"
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{result.args}: {result.stderr!r}"
    if secret is not None:
        assert secret not in result.stderr
    return lines[0]


def record_session(url: str, *, streamed: int = 0) -> Session:
    """A small session arranged through the library (the CLI is what is under test)."""
    with asm.connect(url) as store:
        session = Session.new(agent_id="cli-test", status="active", tags=["t"])
        run_ = Run.new(session_id=session.id, status="completed", provider="openai",
                       token_usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
        store.save_session(session)
        store.save_run(run_)
        store.append_events(
            [Event.new(type="message_received", session_id=session.id, run_id=run_.id, data={"content": "hi [b]x[/b]"})]
            + [Event.new(type="message_streamed", session_id=session.id, run_id=run_.id, data={"chunk": str(i)})
               for i in range(streamed)]
            + [Event.new(type="run_completed", session_id=session.id, run_id=run_.id)]
        )
        store.artifacts.register(key=f"k/{session.id}", size_bytes=3, session_id=session.id)
    return session


def test_demo_runs_twice_and_the_read_commands_show_it(raw):
    first = run(raw.url, "demo").stdout
    assert "Timeline" in first and "Usage" in first and "tool_call_failed" in first
    assert "error_recovered" in first and "graph session" in first
    second = run_json(raw.url, "demo")
    assert [r["status"] for r in second["runs"]] == ["completed", "failed", "completed"]
    assert [e["sequence_number"] for e in second["events"]] == list(range(1, len(second["events"]) + 1))
    assert second["usage"]["total_tokens"] == 4869 and len(second["artifacts"]) == 1
    assert len(second["graph_session"]["chat_history"]) == 4
    assert raw.scalar("SELECT COUNT(*) FROM asm_sessions") == 2
    assert raw.scalar("SELECT COUNT(*) FROM sessions") == 2
    assert raw.scalar("SELECT COUNT(*) FROM asm_artifacts") == 2
    session_id = second["session"]["id"]

    sessions, show, usage, events, tail, show_tail = ok(
        command(None, "sessions", "--database", raw.url, "--limit", "1", "--total"),  # options after the command too
        command(raw.url, "--json", "show", session_id),
        command(raw.url, "usage", "--agent", "travel-agent"),
        command(raw.url, "events", session_id, "--json", "--type", "error_occurred", "--type", "run_failed"),
        command(raw.url, "events", session_id, "--json", "--last", "3"),
        command(raw.url, "--json", "show", session_id, "--last", "2"),
    )
    assert json.loads(tail.stdout)["events"] == second["events"][-3:]
    assert json.loads(show_tail.stdout)["events"] == second["events"][-2:]
    assert session_id in sessions.stdout and "travel-agent" in sessions.stdout
    assert "Sessions (1 of 2)" in sessions.stdout and "--cursor " in sessions.stdout
    shown = json.loads(show.stdout)
    assert shown["events"] == second["events"] and shown["runs"] == second["runs"]
    assert "anthropic" in usage.stdout and "9738" in usage.stdout  # two demos' tokens
    assert [e["type"] for e in json.loads(events.stdout)["events"]] == ["error_occurred", "run_failed"]


def test_export_then_import_into_a_fresh_database(raw, fresh_url, tmp_path):
    session = record_session(raw.url)
    exported = tmp_path / "session.json"
    export, migrate = ok(command(raw.url, "export", session.id, "--artifacts", "-o", str(exported)),
                         command(fresh_url, "--json", "migrate"))
    assert f"exported session {session.id} (1 runs, 2 events, 1 artifacts)" in export.stdout
    assert json.loads(migrate.stdout)["applied"] == [m.id for m in asm.migration_status(fresh_url)]
    imported = run_json(fresh_url, "import", str(exported))
    assert {k: imported[k] for k in ("imported", "file", "runs", "events", "artifacts", "database")} == {
        "imported": session.id, "file": str(exported), "runs": 1, "events": 2, "artifacts": 1,
        "database": str(parse_url(fresh_url))}
    with asm.connect(raw.url) as source, asm.connect(fresh_url) as target:
        assert target.query.export_session(session.id, include_artifacts=True) == \
            source.query.export_session(session.id, include_artifacts=True)


def test_sql_explain_and_a_maintenance_dry_run(raw, dialect):
    session = record_session(raw.url, streamed=5)
    env = {**ENV, "ASM_DATABASE_URL": raw.url}  # the URL from the environment this time
    sql, explain, maintain = ok(
        [str(ASM), "sql", "get_events"], [str(ASM), "explain"],
        [str(ASM), "--json", "maintain", "--dry-run", "--max-events-per-session", "2", "--batch-size", "2"],
        env=env,
    )
    assert sql.stdout.startswith("-- name: get_events") and "FROM asm_events" in sql.stdout
    assert {"postgres": "text[]", "sqlite": "JSON_EACH", "mysql": "JSON_TABLE"}[dialect] in sql.stdout
    headings = [line for line in explain.stdout.splitlines() if line and not line.startswith(" ")]
    assert headings == ["get_events", "get_latest_events", "get_session", "search_sessions_updated_desc",
                        "search_runs_started_desc", "search_events_sequence_asc"]
    assert len(explain.stdout.splitlines()) > 2 * len(headings)
    document = json.loads(maintain.stdout)
    assert document["report"]["dry_run"] is True and document["report"]["events_pruned"] == 5
    assert document["policy"]["max_events_per_session"] == 2 and document["policy"]["batch_size"] == 2
    assert raw.scalar("SELECT COUNT(*) FROM asm_events WHERE session_id = ?", session.id) == 7


def test_events_follow_prints_new_events_until_ctrl_c(raw):
    session = record_session(raw.url)
    follower = subprocess.Popen(command(raw.url, "events", session.id, "--follow", "--after", "1"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert follower.stdout.readline().split()[:1] == ["2"]
        with asm.connect(raw.url) as store:
            store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id=session.id,
                                         data={"content": "arrived later"}))
        line = follower.stdout.readline()
        assert line.split()[0] == "3" and "arrived later" in line
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    # Ctrl-C ends --follow as it ends any command: "interrupted", exit 130 (issue 20, item 6).
    assert follower.returncode == 130, err
    assert "Traceback" not in err and out == "" and err.strip() == "error: interrupted"


def test_server_and_schema_failures_are_one_line(dialect, raw, fresh_url, tmp_path):
    unreachable = {
        "postgres": ["postgresql://u:secret@127.0.0.1:1/x"],
        "mysql": ["mysql://u:secret@127.0.0.1:1/x", raw.url.replace("root@", "root:secret@")],  # wrong password
        "sqlite": [f"sqlite:///{tmp_path}/missing-dir/x.db"],
    }[dialect]
    results = run_all(
        *(command(url, "sessions") for url in unreachable),
        command(fresh_url, "show", "ses_x"),
        command(raw.url, "show", "ses_unknown"),
    )
    *servers, not_migrated, unknown = [assert_one_error_line(r, secret="secret") for r in results]
    assert all("cannot reach" in line and "***" in line for line in servers if "secret" in line), servers
    # A refused password is said as such, not "cannot reach" (issue 20, item 6).
    assert all(line.startswith(("error: cannot reach", "error: access denied for user")) for line in servers), servers
    assert "schema" in not_migrated and "asm migrate --database" in not_migrated
    assert unknown == "error: no session with id 'ses_unknown'"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    asm.migrate(url)
    return url


def test_usage_errors_unreadable_files_and_the_dialect_free_commands(sqlite_url, tmp_path):
    not_json = tmp_path / "notes.txt"
    not_json.write_text("not an export")
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    failures = run_all(
        command(sqlite_url, "sessions", "--limit", "0"),             # bad flag values: exit 2
        command(sqlite_url, "maintain", "--max-events-per-session", "-3"),
        command(sqlite_url, "events", "ses_x", "--after", "x"),
        command(sqlite_url, "migrate", "--steps", "2"),
        command(sqlite_url, "import", str(tmp_path / "missing.json")),  # unreadable import files: exit 1
        command(sqlite_url, "import", str(not_json)),
        command(sqlite_url, "import", str(binary)),
        command(sqlite_url, "events", "ses_unknown"),
        command(sqlite_url, "sql", "no_such_query"),
        command("nosuchscheme://u:secret@x/y", "sessions"),
    )
    lines = [assert_one_error_line(r, secret="secret") for r in failures]
    assert [r.returncode for r in failures] == [2] * 4 + [1] * 6, lines
    assert "--limit" in lines[0] and "missing.json" in lines[4] and "not an asm export" in lines[5]
    assert "not UTF-8" in lines[6] and "ses_unknown" in lines[7]

    listed, other_dialect, status, bare, module, version, memory = ok(
        command(sqlite_url, "--json", "sql"),
        command("postgresql://u:secret@127.0.0.1:1/x", "sql", "append_event"),  # no server needed
        command(sqlite_url, "migrate", "--status"),
        [str(ASM)], [sys.executable, "-m", "asm", "--help"], [str(ASM), "--version"],
        command("sqlite://:memory:", "demo"),
    )
    names = {q["name"] for q in json.loads(listed.stdout)["queries"]}
    assert {"get_events", "get_session", "append_event", "search_runs_started_desc"} <= names
    # PostgreSQL's one-statement append: the call, then the function it calls (migration 0007).
    assert other_dialect.stdout.index("FROM asm_append_event(") < other_dialect.stdout.index("WITH advanced AS")
    assert status.stdout.count("yes") == len(asm.migration_status(sqlite_url))
    assert "demo" in bare.stdout and "explain" in bare.stdout and "sessions" in module.stdout
    assert asm.__version__ in version.stdout and "travel-agent" in memory.stdout
    newest = asm.migration_status(sqlite_url)[-1].id
    assert run_json(sqlite_url, "migrate", "--rollback", "--yes")["rolled_back"] == [newest]
    assert f"applied {newest}" in run(sqlite_url, "migrate").stdout
