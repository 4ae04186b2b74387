"""`python -m bench scale` (issue 15) end to end at tiny sizes on every dialect: every named query
of queries/<dialect>/ has a catalog entry, every case runs (writes rolled back), and the report
and the plot are written. Timings are never checked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from asm.db import plans
from bench.scale import main
from databases import DIALECTS, create_database, drop_database


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_named_query_runs_at_two_tiny_sizes(dialect, tmp_path):
    drop_database(dialect, create_database(dialect, tmp_path))  # skips (locally) when the server is down
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["--sizes", "600,1200", "-d", dialect, "--repeat", "1", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output

    runs = json.loads((out / "scale.json").read_text())
    assert [r["events"] for r in runs] == [600, 1200]
    names = [q.name for q in plans.named_queries(dialect)]
    for run in runs:
        assert run["missing"] == [], f"{dialect}: named queries without a catalog entry: {run['missing']}"
        assert run["counts"]["asm_events"] == run["events"]
        failed = [(m["query"], m["case"], m["error"]) for m in run["measures"] if m["error"]]
        assert failed == [], f"{dialect}: cases that failed: {failed}"
        assert {m["query"] for m in run["measures"]} == set(names)
        assert all(m["verdict"] and not m["verdict"].startswith("explain failed") for m in run["measures"])
        if dialect == "postgres":
            assert all(m["generic_verdict"] for m in run["measures"])

    report = (out / "scale.md").read_text()
    assert f"## {dialect}" in report and "## Storage per event" in report
    rows = [line for line in report.splitlines() if line.startswith("| `")]
    assert {row.split("`")[1] for row in rows} == set(names)
    assert all(row.count("|") == rows[0].count("|") for row in rows)  # no stray | inside a cell
    assert (out / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_writes_are_rolled_back(tmp_path):
    """The benchmark runs every delete and update of the catalog: the tables end as seeded."""
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["--sizes", "600", "-d", "sqlite", "--repeat", "1", "--out", str(out), "--keep"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = json.loads((out / "scale.json").read_text())
    deletes = [m for m in run["measures"] if m["query"] == "delete_session_events" and m["case"] == "hot session"]
    assert deletes and deletes[0]["rows"] > 0  # it deleted rows, inside the rolled-back transaction
    import sqlite3

    (url,) = [line.split("events: ", 1)[1] for line in result.output.splitlines() if "600 events: sqlite:" in line]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in run["counts"]}
    assert counts == run["counts"]
