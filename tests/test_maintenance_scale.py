"""bench/maintenance_scale.py still runs (tiny sizes, SQLite): it seeds, prunes every hot
session down to the limit, and reports every step and plan."""

from __future__ import annotations

import argparse

from bench import maintenance_scale


def test_the_maintenance_bench_runs_at_tiny_size():
    result = maintenance_scale.run("sqlite", events=3_000, sessions=40, hot_events=400, keep=50, with_plans=True,
                                   trees={"after": maintenance_scale.ROOT}, rounds=1)
    steps = result["steps"]
    assert set(steps) == {"prune", "idle run", "health_check", "global prune"}
    assert steps["prune"]["after"][1] == "pruned 350, 50 left"
    assert steps["health_check"]["after"][1] == "0 problems"
    args = argparse.Namespace(events=3_000, sessions=40, hot_events=400, keep=50, before=None)
    text = maintenance_scale.report([result], args, ["after"])
    assert "| sqlite | SQLite" in text and "session_events_page (hot session, first batch)" in text
