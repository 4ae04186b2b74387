"""asm.sql.typed: the checked-in modules are what the SQL gives today, and with them mypy
checks a user's calls of asm.sql's query functions."""

from __future__ import annotations

import difflib
import functools
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asm.sql.generate import module_path, module_text

ROOT = Path(__file__).resolve().parents[1]

# One description per database serves both tests below.
generated = functools.cache(module_text)


def test_checked_in_module_is_current(dialect: str, database_url: str) -> None:
    # Like psycopg's generated sync code: regenerate in memory and compare.
    text, _ = generated(dialect, database_url)
    current = module_path(dialect).read_text()
    diff = "".join(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                        f"asm/sql/typed/{dialect}.py", "generated now", n=1))
    assert text == current, f"stale: run `python -m asm.sql.generate`\n{diff[:4000]}"


def test_every_parameter_and_column_has_a_known_type(dialect: str, database_url: str) -> None:
    # A new query whose parameter or column nothing explains is typed `object` (or any SQLite
    # value): give it a column to be compared with, or a name in asm/sql/codegen/types.py.
    _, unexplained = generated(dialect, database_url)
    assert unexplained == []


GOOD = '''
    from __future__ import annotations

    import sqlite3
    from datetime import datetime

    import aiosqlite
    import psycopg
    from psycopg.rows import dict_row

    import asm
    import asm.sql
    from asm.sql.typed.sqlite import EventRow


    def read_log(conn: sqlite3.Connection, session_id: str) -> list[asm.Event]:
        q = asm.sql.queries("sqlite")
        session = q.get_session(conn, id=session_id)
        if session is not None:
            agent: str = session["agent_id"]
            print(agent.upper())
        rows: list[EventRow] = list(q.get_events(conn, session_id=session_id, run_id=None, types=None,
                                                 since=None, after=0, before=None, limit=100))
        latest: int | None = q.get_latest_sequence(conn, session_id=session_id)
        numbers: list[int] = [row["sequence_number"] for row in rows]
        deleted: int = q.delete_session_events(conn, session_id=session_id)
        print(latest, numbers, deleted)
        return [asm.sql.to_record(asm.Event, row, dialect="sqlite") for row in rows]


    def created(url: str, session_id: str) -> datetime | None:
        with psycopg.connect(url, row_factory=dict_row) as conn:
            row = asm.sql.queries("postgres").get_session(conn, id=session_id)
            return None if row is None else row["created_at"]


    async def first_event_id(conn: aiosqlite.Connection, session_id: str) -> str | None:
        q = asm.sql.queries("sqlite", asynchronous=True)
        async for row in q.get_events(conn, session_id=session_id, run_id=None, types=None, since=None,
                                      after=None, before=None, limit=1):
            return row["id"]
        return None
'''

BAD = '''
    import sqlite3

    import psycopg

    import asm.sql


    def misuse(conn: sqlite3.Connection, url: str) -> None:
        q = asm.sql.queries("sqlite")
        q.get_session(conn, session="s-1")
        row = q.get_session(conn, id="s-1")
        if row is not None:
            print(row["agent"])
            number: int = row["created_at"]
            print(number)
        with psycopg.connect(url) as tuple_rows:
            asm.sql.queries("postgres").get_session(tuple_rows, id="s-1")
'''


def mypy(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(source).lstrip())
    # Strict on the user's script only: asm's own modules are followed for their types, their
    # errors not reported.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(tmp_path.parent / "mypy-cache"), str(script)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_mypy_accepts_correct_calls(tmp_path: Path) -> None:
    result = mypy(tmp_path, "good", GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_rejects_a_wrong_keyword_a_missing_key_and_a_wrong_type(tmp_path: Path) -> None:
    result = mypy(tmp_path, "bad", BAD)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = textwrap.dedent(BAD).lstrip().splitlines()
    expected = {  # the line's text, the error code, and what the message must name
        'q.get_session(conn, session="s-1")': ("call-arg", '"session"'),
        'print(row["agent"])': ("typeddict-item", '"agent"'),
        'number: int = row["created_at"]': ("assignment", '"str"'),  # SQLite timestamps are text
        'asm.sql.queries("postgres").get_session(tuple_rows, id="s-1")': ("arg-type", "dict[str, Any]"),
    }
    errors = {}
    for line in result.stdout.splitlines():
        if ": error: " in line:
            where, message = line.split(": error: ", 1)
            errors[lines[int(where.rsplit(":", 1)[1]) - 1].strip()] = message
    assert errors.keys() == expected.keys(), result.stdout
    for text, (code, named) in expected.items():
        assert errors[text].endswith(f"[{code}]") and named in errors[text], errors[text]
