"""Progress bars of `asm export` and `asm import`: drawn on stderr when it is a terminal (a real
pseudo-terminal here), never when it is piped. Driven through the real `asm` script."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest

import asm
from terminal import on_a_terminal
from test_cli import ENV, TIMEOUT_S, command, ok
from test_cli_big_sessions import record

EVENTS = 20_000


def on_stderr_terminal(args: list[str]) -> tuple[int, str]:
    """Run `args` with stderr on a pseudo-terminal (stdout and stdin elsewhere): its exit code and
    what the terminal got."""
    return on_a_terminal(args, {**ENV, "TERM": "xterm-256color", "COLUMNS": "160"}, all_streams=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    folder = tmp_path_factory.mktemp("progress")
    url = f"sqlite:///{folder / 'source.db'}"
    asm.migrate(url)
    session_id = record(url, EVENTS)
    path = str(folder / "export.json")
    ok(command(url, "export", session_id, "-o", path))
    return url, session_id, path


def test_export_and_import_draw_a_bar_with_counts_on_a_terminal(exported, tmp_path):
    url, session_id, path = exported
    code, shown = on_stderr_terminal(command(url, "export", session_id, "-o", str(tmp_path / "again.json")))
    assert code == 0, shown
    assert f"exporting {session_id}" in shown and f"{EVENTS:,} events" in shown and "100%" in shown
    target = f"sqlite:///{tmp_path / 'target.db'}"
    asm.migrate(target)
    code, shown = on_stderr_terminal(command(target, "import", path))
    assert code == 0, shown
    assert f"importing {path}" in shown and "bytes" in shown and "100%" in shown
    with asm.connect(target) as store:
        assert store.get_latest_sequence(session_id) == EVENTS


def test_piped_stderr_gets_no_bar(exported, tmp_path):
    url, session_id, path = exported
    target = f"sqlite:///{tmp_path / 'target.db'}"
    asm.migrate(target)
    export, = ok(command(url, "export", session_id, "-o", str(tmp_path / "again.json")))  # ok(): stderr is empty
    imported = subprocess.run(command(target, "import", path), capture_output=True, text=True, env=ENV,
                              timeout=TIMEOUT_S)
    assert imported.returncode == 0 and imported.stderr == ""
    assert f"{EVENTS} events" in imported.stdout and "events: 20,000 created" in imported.stdout


def test_maintain_shows_each_steps_counts_on_a_terminal(tmp_path):
    url = f"sqlite:///{tmp_path / 'maintain.db'}"
    asm.migrate(url)
    record(url, 30_000)
    code, shown = on_stderr_terminal(command(url, "maintain", "--max-events-per-session", "1", "--batch-size", "20"))
    assert code == 0, shown
    assert "maintaining" in shown and "prune (" in shown and "events deleted)" in shown, shown


def test_ctrl_c_in_maintain_says_what_committed_batches_did(tmp_path):
    url = f"sqlite:///{tmp_path / 'maintain.db'}"
    asm.migrate(url)
    session_id = record(url, 20_000)
    process = subprocess.Popen(command(url, "maintain", "--max-events-per-session", "1", "--batch-size", "2"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        with asm.connect(url) as store:
            deadline = time.monotonic() + TIMEOUT_S
            while _count(store, session_id) > 19_000 and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=TIMEOUT_S)
            left = _count(store, session_id)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    lines = err.splitlines()
    assert len(lines) == 1 and out == "", (out, err)
    found = re.fullmatch(r"error: interrupted: ([\d,]+) events deleted already, in committed batches", lines[0])
    assert found is not None, lines
    said = int(found.group(1).replace(",", ""))
    # What it said is what the database lost (an interrupt between a commit and its count: one batch more).
    assert said <= 20_000 - left <= said + 2 and 0 < said < 19_999


def _count(store: asm.SessionStore, session_id: str) -> int:
    while True:
        try:
            return store.query.count_events(session_ids=[session_id])
        except asm.AsmError:  # the pruner holds the write lock for a moment
            time.sleep(0.01)
