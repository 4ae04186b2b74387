"""Tables fit the width: $COLUMNS holds when piped, ids are never folded (they stay copyable,
whole on one line), and no line is wider than the width unless it is an id (or a cursor) alone."""

from __future__ import annotations

import json
import re

import pytest

import asm
from asm import Event, Run

from test_cli import ENV, command, ok, record_session

ID = re.compile(r"\b(?:ses|run)_[0-9a-f]+(?![0-9a-z_])")  # an id, or the piece of a folded one


@pytest.fixture
def recorded(raw):
    session = record_session(raw.url)
    with asm.connect(raw.url) as store:  # a second run, failed with a long message, without a provider
        run = Run.new(session_id=session.id, status="failed",
                      error={"message": "the payment gateway timed out after 30 s " * 3})
        store.save_run(run)
        store.append_event(Event.new(type="error_occurred", session_id=session.id, run_id=run.id,
                                     data={"message": "a long explanation of what went wrong " * 4}))
    runs = [r.id for r in asm.connect(raw.url).list_runs(session.id)]
    return raw.url, session.id, runs


def readable_commands(url: str, session_id: str) -> list[list[str]]:
    return [command(url, *args) for args in (
        ("sessions", "--limit", "1"), ("runs", session_id), ("runs",), ("search", "--session", session_id),
        ("search", "--limit", "1"), ("artifacts", session_id), ("usage",), ("stats", session_id),
        ("show", session_id),
    )]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [80, 60])
def test_ids_stay_whole_and_lines_fit_the_width(recorded, width):
    url, session_id, run_ids = recorded
    ids = {session_id, *run_ids}
    results = ok(*readable_commands(url, session_id), env={**ENV, "COLUMNS": str(width)})
    for result in results:
        lines = result.stdout.splitlines()
        for line in lines:
            for found in ID.findall(line):
                assert found in ids, f"{result.args[3:]}: a folded id {found!r} in\n{result.stdout}"
            if len(line) > width:
                alone = line.strip()
                assert alone in ids or alone.startswith("next page: --cursor "), \
                    f"{result.args[3:]}: a line of {len(line)} > {width} columns:\n{line}\n{result.stdout}"
        if "usage" not in result.args:  # the rows of every other command are named by an id
            assert any(i in result.stdout for i in ids), f"{result.args[3:]}:\n{result.stdout}"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_narrow_table_says_which_columns_it_left_out_and_pipes_stay_wide(recorded):
    url, session_id, run_ids = recorded
    env = {k: v for k, v in ENV.items() if k != "COLUMNS"}
    (narrow,) = ok(command(url, "runs"), env={**env, "COLUMNS": "80"})
    (wide,) = ok(command(url, "runs"), env=env)
    (tiny,) = ok(command(url, "runs"), env={**env, "COLUMNS": "30"})
    assert "not shown at this width:" in narrow.stdout and "session" in narrow.stdout.split("not shown")[1]
    assert all(run_id in narrow.stdout for run_id in run_ids)
    # Without $COLUMNS a pipe is wide: every column, each row on one line.
    rows = [line for line in wide.stdout.splitlines() if any(r in line for r in run_ids)]
    assert len(rows) == 2 and all(session_id in row and ("completed" in row or "failed" in row) for row in rows)
    assert "not shown" not in wide.stdout
    # Narrower than two ids side by side: one block per run, each id whole on its own line.
    assert all(f"\n{run_id}\n" in tiny.stdout for run_id in run_ids)
    assert re.search(rf"  session:\s+{session_id}\n", tiny.stdout) and "  status: failed" in tiny.stdout


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_cursor_printed_in_a_narrow_terminal_is_whole_and_works(recorded):
    url, session_id, _ = recorded
    env = {**ENV, "COLUMNS": "40"}
    first, sessions = ok(command(url, "search", "--session", session_id, "--limit", "1"),
                         command(url, "sessions", "--limit", "1", "--deleted"), env=env)
    (line,) = [line for line in first.stdout.splitlines() if line.startswith("next page: --cursor ")]
    (second,) = ok(command(url, "--json", "search", "--session", session_id, "--limit", "1",
                           "--cursor", line.split()[-1]), env=env)
    assert [e["sequence_number"] for e in json.loads(second.stdout)["events"]] == [2]
    assert "next page" not in sessions.stdout  # one session: no cursor, and no broken line either
