"""The benchmark (bench/, issues 9 and 17) runs end to end on tiny sizes, so it cannot rot. It
checks what is written (every case on both APIs, a row for every target, the plot), never the timings."""

from __future__ import annotations

import re

from click.testing import CliRunner

from bench.cli import main
from databases import DIALECTS, create_database, drop_database

HISTORIES = ("10", "30")
READS = (
    *(f"{op} (history {h})" for h in HISTORIES for op in ("tail: get_events(last=20)", "tail: get_events(last=100)")),
    *(f"get_events page of 100 (after, limit; history {h})" for h in HISTORIES),
    "get_session", "search_sessions page of 50 (+ total count)", "graph get (5 messages)",
)
OPERATIONS = (
    *READS, *(f"append 1 event (history {h})" for h in HISTORIES), "append a batch of 100 events",
    "append a batch of 1,000 events", "save_session (update)", "graph save (5 messages)",
)
READ_LIMIT = {"postgres": "1.3", "mysql": "1.3", "sqlite": "1.5"}
GROWTH = ("append_one", "tail_20", "tail_100", "events_page_100")


def expected_targets(dialect: str) -> list[str]:
    """The start of every target row's text for one dialect and API (issue 17's list)."""
    rows = [*(f"{read} within {READ_LIMIT[dialect]}x of the floor" for read in READS),
            "graph save (5 messages) within 1.5x of the floor", "batch of 1,000: >= ",
            "batch of 1,000: events/s >= 10x single appends",
            *(f"{op}: cost at 30 events within 1.2x of 10" for op in GROWTH)]
    if dialect == "postgres":
        rows += [*(f"append 1 event (history {h}) within 1.2x of the floor" for h in HISTORIES),
                 "single append in one round trip"]
    if dialect == "mysql":
        rows.append("single append in no more round trips than the floor")
    return rows


def section(text: str, title: str) -> list[str]:
    """The table rows of one `## title` section."""
    body = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("| ") and not line.startswith("| dialect")]


def test_benchmark_writes_the_tables_the_targets_and_the_plot(tmp_path):
    urls = {dialect: create_database(dialect, tmp_path) for dialect in DIALECTS}
    try:
        args = ["-n", "3", "--history", "10", "30", "--iter-events", "20", "--iter-events", "60",
                "--sessions", "20", "--messages", "5", "--out", str(tmp_path / "results")]
        for dialect, url in urls.items():
            args += ["--database", f"{dialect}={url}"]
        outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        for dialect, url in urls.items():
            drop_database(dialect, url)
    assert outcome.exit_code == 0, outcome.output

    table = (tmp_path / "results" / "results.md").read_text()
    sync, asynchronous = section(table, "Per operation: sync API"), section(table, "Per operation: async API")
    targets, growth = section(table, "Targets"), section(table, "Cost against history length")
    for dialect in DIALECTS:
        for operation in OPERATIONS:
            for rows in (sync, asynchronous):
                assert any(row.startswith(f"| {dialect} | {operation}") for row in rows), (dialect, operation)
        for api in ("sync", "async"):
            for target in expected_targets(dialect):
                assert any(row.startswith(f"| {dialect} | {api} | {target}") for row in targets), (dialect, api, target)
            for op in GROWTH:
                assert any(row.startswith(f"| {dialect} | {api} | {op} |") for row in growth), (dialect, api, op)
        assert any(row.startswith(f"| {dialect} | sync | iter_events peak memory") for row in targets), dialect
        # round trips are counted on both APIs where there is a server
        if dialect != "sqlite":
            assert all(re.search(r"\| \d+ / \d+ \|$", row) for row in asynchronous if row.startswith(f"| {dialect} "))
        assert any(row.startswith(f"| {dialect} | 60 | 60 |") for row in table.splitlines()), dialect  # iter_events
    assert (tmp_path / "results" / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
