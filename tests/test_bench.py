"""The benchmark (bench/, issue 9) runs end to end on tiny sizes, so it cannot rot. It checks what
is written, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.cli import main
from databases import DIALECTS, create_database, drop_database

OPERATIONS = (
    "append 1 event (history 10)", "append 1 event (history 30)", "get last 100 events (history 10)",
    "get last 100 events (history 30)", "append a batch of 100 events", "search_sessions page of 50",
    "save_session (update)", "get_session", "graph save (5 messages)", "graph get (5 messages)",
)


def test_benchmark_writes_the_table_and_the_plot(tmp_path):
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
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for dialect in DIALECTS:
        for operation in OPERATIONS:
            assert any(row.startswith(f"| {dialect} | {operation}") for row in rows), (dialect, operation)
        assert any(row.startswith(f"| {dialect} | 60 | 60 |") for row in rows), dialect  # iter_events walked it all
    assert "## Targets" in table
    assert (tmp_path / "results" / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
