"""`python -m bench scale` (issue 15) end to end at tiny sizes on every dialect: every named query
of queries/<dialect>/ has a catalog entry, every case runs (writes rolled back), and the report
and the plot are written. Timings are never checked."""

from __future__ import annotations

import json

import attrs
import pytest
from click.testing import CliRunner

from asm.explain import plans
from bench.scale import Measure, SizeRun, catalog_labels, main, write_report
from databases import DIALECTS, create_database, drop_database


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_named_query_runs_at_two_tiny_sizes(dialect, tmp_path):
    drop_database(dialect, create_database(dialect, tmp_path))  # skips (locally) when the server is down
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["--sizes", "600,1200", "-d", dialect, "--repeat", "1", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # Side by side: both sizes are seeded before any query runs, not one size after the other.
    lines = result.output.splitlines()
    seeded = [i for i, line in enumerate(lines) if "seeded in" in line]
    queried = [i for i, line in enumerate(lines) if " cases on 2 sizes" in line]
    assert len(seeded) == 2 and queried and max(seeded) < min(queried), result.output

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
    assert "Sizes are measured side by side" in report and "| reads growth |" in report
    if dialect != "sqlite":  # rows read at both sizes, where the dialect counts them
        hot = [line for line in report.splitlines() if line.startswith("| `get_events` | hot session tail |")]
        assert hot and "—" not in hot[0].split("|")[7], hot
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


def test_growing_reads_are_listed_among_the_misses(tmp_path):
    """A keyed case whose rows read grow past 1.3x is a miss even when its times do not grow
    (they are noise below a millisecond); a few rows more is not."""
    def run(events, reads, few):
        return SizeRun("postgres", events, measures=[
            Measure("get_events", "hot session", plans.KEYED, "", ms=0.5, runs=1, rows=100, rows_read=reads),
            Measure("get_session", "by id", plans.KEYED, "", ms=0.5, runs=1, rows=1, rows_read=few)])

    md, _png = write_report([run(1_000, 1_000, 1), run(10_000, 10_000, 3)], tmp_path, "scale", "test", 1.0)
    misses = md.read_text().split("## Keyed cases that miss the target", 1)[1]
    assert "`get_events` (hot session): reads grow 10.00x" in misses
    assert "get_session" not in misses


def test_general_event_searches_get_no_session_list():
    """asm/query/events.py sends a session list to search_session_events_* and
    count_session_events only: the general queries' cases must not measure a path asm skips."""
    cases = catalog_labels()
    general = ("search_events_sequence_asc", "search_events_timestamp_asc", "search_events_timestamp_desc",
               "count_events")
    assert all(case.params.get("session_ids") is None for name in general for case in cases[name])
    assert any(case.params.get("session_ids") for case in cases["count_session_events"])


def test_the_catalog_names_only_queries_that_exist():
    """A query renamed or removed leaves no case behind in plans.catalog."""
    cases = catalog_labels()
    assert sorted(set(cases) - {q.name for q in plans.named_queries("sqlite")}) == []


def test_a_miss_with_a_reason_is_listed_apart_with_it(tmp_path):
    """The report keeps the unexplained misses apart from those whose cost follows something
    else the seed grows (plans.Case.reason), and prints the reason."""
    def run(events, ms):
        return SizeRun("sqlite", events, measures=[
            Measure("get_events", "since", plans.KEYED, "", ms=ms, runs=1, rows=100, reason="the window grows"),
            Measure("get_session", "by id", plans.KEYED, "", ms=ms, runs=1, rows=1)])

    md, _png = write_report([run(1_000, 1.0), run(10_000, 10.0)], tmp_path, "scale", "test", 1.0)
    text = md.read_text()
    misses, reasoned = text.split("## Keyed cases that miss the target", 1)[1].split(
        "## Keyed cases that cannot meet it, and why", 1)
    assert "`get_session` (by id): time grows 10.00x" in misses and "get_events" not in misses
    assert "`get_events` (since): time grows 10.00x. *Why:* the window grows" in reasoned
    assert "| **no**, see why |" in text


def test_a_saved_run_is_written_again_with_today_s_reasons(tmp_path):
    """--from-json re-renders a saved scale.json: nothing is measured, and the notes and reasons
    come from the catalog as it is now."""
    run = SizeRun("postgres", 1_000, measures=[
        Measure("get_events", "hot session, since a month ago", plans.KEYED, "", ms=1.0, runs=1, rows=100)])
    big = SizeRun("postgres", 10_000, measures=[
        Measure("get_events", "hot session, since a month ago", plans.KEYED, "", ms=9.0, runs=1, rows=100)])
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps([attrs.asdict(run), attrs.asdict(big)]))
    out = tmp_path / "again"
    result = CliRunner().invoke(main, ["--from-json", str(saved), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = (out / "scale.md").read_text()
    assert "`python -m bench scale --sizes 1000,10000 -d postgres`" in report
    reasoned = report.split("## Keyed cases that cannot meet it, and why", 1)[1]
    assert "`get_events` (hot session, since a month ago)" in reasoned and "no index serves both" in reasoned
