"""bench/prepare.py (PostgreSQL with and without prepared statements) runs end to end on tiny
sizes, so it cannot rot. It checks what is written, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.prepare import main
from databases import create_database, drop_database

OPERATIONS = ("append 1 event (history 120)", "append a batch of 100 events", "get 100 events (after 20)",
              "get_session", "search_sessions page of 50")


def test_prepare_benchmark_writes_its_table(tmp_path):
    url = create_database("postgres", tmp_path)
    out = tmp_path / "prepare.md"
    try:
        args = ["-n", "3", "--history", "120", "--sessions", "20", "--database", url, "--out", str(out)]
        outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        drop_database("postgres", url)
    assert outcome.exit_code == 0, outcome.output
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ")]
    for operation in OPERATIONS:
        # The same statements on both sides: prepared or not, a call costs the same round trips.
        row = next(row for row in rows if row.startswith(f"| {operation}"))
        unprepared, prepared = row.rstrip(" |").rpartition("| ")[2].split(" / ")
        assert unprepared == prepared, row
