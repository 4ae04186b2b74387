"""Maintenance reads through indexes (issue 15): a prune batch is a range of the session's
(session_id, sequence_number) index or of the timestamp index, whatever the session's size;
the candidates of sessions_over_event_limit come from the counters; health_check reads one
index entry per session. EXPLAIN over a small seeded database (bench/maintenance_scale.py's
seed), on every dialect; bench/results/maintenance.md has the plans at 1M events."""

from __future__ import annotations

import pytest

import asm
from bench import maintenance_scale
from databases import DIALECTS, create_database, drop_database

EVENTS, SESSIONS, HOT_EVENTS, KEEP = 20_000, 300, 3_000, 500


@pytest.fixture(scope="module", params=DIALECTS)
def plans(request, tmp_path_factory):
    dialect = request.param
    url = create_database(dialect, tmp_path_factory.mktemp("maintenance_plans"))
    try:
        asm.migrate(url)
        maintenance_scale.seed(dialect, url, EVENTS, SESSIONS, HOT_EVENTS)
        yield dialect, dict(maintenance_scale.plans(dialect, url, HOT_EVENTS, KEEP))
    finally:
        drop_database(dialect, url)


def plan_of(plans, name):
    dialect, found = plans
    return dialect, "\n".join(found[name])


def uses(dialect, plan, index):
    """The plan reads asm_events through a range of `index` (PostgreSQL may sort a range it
    expects to be shorter than the batch; MariaDB reads it in index order)."""
    if dialect == "postgres":
        return f"using {index} on asm_events" in plan or f"Scan on {index}" in plan
    if dialect == "mysql":
        return any(f"key={index}" in line and ("type=range" in line or "type=ref" in line) and "filesort" not in line
                   for line in plan.splitlines())
    return f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan


def scans_events(dialect, plan):
    if dialect == "postgres":
        return "Seq Scan on asm_events" in plan
    if dialect == "mysql":
        return any(("table=e," in line or "table=asm_events," in line) and "type=ALL" in line
                   for line in plan.splitlines())
    return any(line.strip().startswith(("SCAN e", "SCAN asm_events")) for line in plan.splitlines())


@pytest.mark.parametrize("case", ["hot session, first batch", "hot session, batch from the middle"])
def test_a_prune_batch_is_a_range_of_the_session_index(plans, case):
    dialect, plan = plan_of(plans, f"session_events_page ({case})")
    assert uses(dialect, plan, "asm_events_session_sequence_idx"), plan
    assert not scans_events(dialect, plan), plan


def test_a_global_prune_batch_is_a_range_of_the_timestamp_index(plans):
    dialect, plan = plan_of(plans, "events_page (oldest batch)")
    assert uses(dialect, plan, "asm_events_timestamp_idx"), plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_candidates_over_the_limit_come_from_the_counters(plans):
    dialect, plan = plan_of(plans, "sessions_over_event_limit (first page)")
    assert not scans_events(dialect, plan), plan
    first = plan.splitlines()[0 if dialect != "postgres" else 1]
    assert "asm_session_sequences" in first or "table=q" in first or "SEARCH q" in first, plan


def test_a_session_span_reads_only_its_index_ranges(plans):
    dialect, plan = plan_of(plans, "session_event_span (hot session, prune-first types)")
    assert not scans_events(dialect, plan), plan
    if dialect == "postgres":
        assert plan.count("Index Only Scan") == 2, plan


def test_health_check_reads_one_entry_per_session(plans):
    dialect, plan = plan_of(plans, "session_health")
    assert not scans_events(dialect, plan), plan
    if dialect == "mysql":
        assert "Using index for group-by" in plan, plan  # a loose index scan
    else:
        assert "Recursive Union" in plan or "RECURSIVE STEP" in plan, plan
