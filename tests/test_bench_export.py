"""`python -m bench.export` (issue 14) runs end to end on tiny sizes, so it cannot rot. It checks
what is written, never the numbers."""

from __future__ import annotations

from click.testing import CliRunner

from bench.export import main
from databases import DIALECTS


def test_the_export_benchmark_writes_its_table(tmp_path):
    args = ["-n", "30", "--object-events", "10", "--out", str(tmp_path)]
    for dialect in DIALECTS:
        args += ["-d", dialect]
    outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    rows = [line for line in (tmp_path / "export.md").read_text().splitlines() if line.startswith("| ")]
    for dialect in DIALECTS:
        for call, events in (("export", 30), ("import", 30), ("export-object", 10), ("import-object", 10)):
            assert any(row.startswith(f"| {dialect} | {call} | {events} |") for row in rows), (dialect, call)
