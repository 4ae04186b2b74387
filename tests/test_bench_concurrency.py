"""bench/concurrency.py (concurrent appenders, asm against the floor) runs end to end on tiny
sizes on every dialect, sync and async, so it cannot rot. The run itself checks that every
session came out numbered 1..n; this checks what is written, never the timings."""

from __future__ import annotations

from click.testing import CliRunner

from bench.concurrency import main


def test_concurrency_benchmark_writes_its_tables_and_plot(tmp_path):
    out = tmp_path / "concurrency.md"
    args = ["-w", "2", "-w", "4", "-s", "1", "-s", "3", "-n", "4", "--rounds", "2", "--out", str(out)]
    outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for dialect in ("postgres", "sqlite", "mysql"):
        assert f"## {dialect}" in text
        assert f"- **{dialect}** (asm): " in text, dialect
        for mode in ("sync", "async"):
            for workers in (2, 4):
                for sessions in (1, 3):
                    assert any(row.startswith(f"| {mode} | {workers} | {sessions} | ") for row in rows), \
                        (dialect, mode, workers, sessions)
                assert any(row.startswith(f"| {dialect} | {mode} | {workers} | ") for row in rows)
    assert "## Findings" in text and "every session numbered 1..n" in outcome.output
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
