"""SQLite keeps no planner statistics until ANALYZE (a provider filter on count_sessions took
over 60 s over 1M events without them, 64 ms with): `migrate` ends with a sampled ANALYZE and
`maintenance.execute` runs it again; other dialects keep their own statistics."""

from __future__ import annotations

import pytest

import asm
from asm import Event, EventType, RetentionPolicy, Session
from databases import RawDatabase

sqlite = pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
# Touches nothing in the rows below: only the statistics step has work to do.
NOTHING_TO_DO = RetentionPolicy(max_completed_session_age_days=None, hard_delete_after_days=None)


def _record(store, events: int) -> None:
    session = Session.new(agent_id="stats")
    store.save_session(session)
    store.append_events([Event.new(type=EventType.MESSAGE_SENT, session_id=session.id) for _ in range(events)])


def _event_rows_counted(raw: RawDatabase) -> set[int]:
    """The row count ANALYZE recorded for asm_events, per index (the first number of `stat`)."""
    return {int(stat.split()[0]) for (stat,) in raw.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'asm_events'")}


@sqlite
def test_migrate_leaves_statistics_of_the_rows_it_finds(fresh_url):
    asm.migrate(fresh_url)
    with asm.connect(fresh_url) as store:
        _record(store, 30)
    assert asm.migrate(fresh_url) == []  # nothing pending: it still analyzes
    raw = RawDatabase("sqlite", fresh_url)
    try:
        assert _event_rows_counted(raw) == {30}
    finally:
        raw.close()


@sqlite
def test_maintenance_refreshes_the_statistics_and_reports_no_changes(raw, store):
    raw.execute("DROP TABLE IF EXISTS sqlite_stat1")  # as a database that has never been analyzed
    _record(store, 20)
    dry = store.maintenance.execute(NOTHING_TO_DO, dry_run=True)
    assert not raw.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")  # rolled back
    report = store.maintenance.execute(NOTHING_TO_DO)
    assert _event_rows_counted(raw) == {20}
    _record(store, 25)
    again = store.maintenance.execute(NOTHING_TO_DO)
    assert _event_rows_counted(raw) == {45}
    for r in (dry, report, again):
        assert (r.sessions_soft_deleted, r.sessions_hard_deleted, r.events_pruned, r.artifacts_cleaned,
                r.orphaned_sequences_cleaned, r.errors) == (0, 0, 0, 0, 0, [])


def test_maintenance_statistics_step_runs_on_every_dialect(store):
    _record(store, 3)
    report = store.maintenance.execute(NOTHING_TO_DO)
    assert report.errors == [] and report.events_pruned == 0


def test_an_in_memory_store_migrates_and_maintains(connect):
    store = connect("sqlite://:memory:", migrate=True)
    _record(store, 5)
    assert store.maintenance.execute(NOTHING_TO_DO).errors == []
    assert len(store.get_events(store.query.search_sessions().sessions[0].id)) == 5
