"""docs/behaviour.md#maintenance: retention policy and maintenance (`store.maintenance`)."""

from datetime import timedelta

import attrs
import pytest

import asm
from asm import Event, RetentionPolicy, Run, Session

NOW = Session.new(agent_id="x").created_at


def days_ago(n):
    return NOW - timedelta(days=n)


def put(store, id, status="completed", age=0, updated=None, tags=(), deleted=None, events=0, runs=0):
    session = Session.new(id=id, agent_id="a", status=status, tags=list(tags), created_at=days_ago(age),
                          updated_at=days_ago(age if updated is None else updated))
    store.save_session(attrs.evolve(session, deleted_at=None if deleted is None else days_ago(deleted)))
    for _ in range(runs):
        store.save_run(Run.new(session_id=id))
    if events:
        store.append_events([Event.new(type="message_sent", session_id=id) for _ in range(events)])
    return session


def count(raw, table, where="1 = 1", *params):
    return raw.scalar(f"SELECT COUNT(*) FROM {table} WHERE {where}", *params)


@pytest.mark.parametrize(("field", "value"), [
    ("max_session_age_days", 0), ("max_completed_session_age_days", -1), ("hard_delete_after_days", 1.5),
    ("max_events_per_session", "10"), ("max_total_events", True), ("batch_size", 0), ("batch_size", None),
    ("exempt_statuses", ["sleeping"]), ("exempt_tags", "pinned"), ("prune_event_types_first", ["nope"]),
    ("protected_event_types", None),
])
def test_a_bad_policy_field_is_named(field, value):
    with pytest.raises(asm.ValidationError) as info:
        RetentionPolicy(**{field: value})
    assert info.value.details["field"] == field


def test_soft_delete_respects_ages_and_exemptions(store, raw):
    put(store, "old_done", age=100)
    put(store, "old_done_pinned", age=100, tags=["pinned"])
    put(store, "old_active", status="active", age=100)
    put(store, "recent_done", age=100, updated=5)
    put(store, "old_pending", status="pending", age=400)
    n = store.maintenance.soft_delete_expired_sessions(RetentionPolicy(max_session_age_days=365))
    assert n == 2
    assert {s.id for s in store.list_sessions() if s.deleted_at} == {"old_done", "old_pending"}
    assert store.maintenance.soft_delete_expired_sessions(RetentionPolicy(max_session_age_days=365)) == 0


def test_hard_delete_removes_everything_a_long_deleted_session_owns(store, raw):
    put(store, "gone", deleted=40, events=3, runs=2)
    put(store, "recent", deleted=5, events=1)
    store.artifacts.register(key="k", size_bytes=1, session_id="gone")
    assert store.maintenance.hard_delete_expired_sessions(RetentionPolicy()) == 1
    for table, column in [("asm_sessions", "id"), ("asm_runs", "session_id"), ("asm_events", "session_id"),
                          ("asm_session_sequences", "session_id"), ("asm_artifacts", "session_id")]:
        assert count(raw, table, f"{column} = ?", "gone") == 0, table
    assert store.get_session("recent").deleted_at is not None
    assert store.maintenance.hard_delete_expired_sessions(RetentionPolicy(hard_delete_after_days=None)) == 0


def test_pruning_takes_prune_first_types_first_and_never_protected_ones(store):
    kinds = ["session_created", "message_sent", "message_streamed", "message_sent", "error_occurred",
             "token_usage_updated", "message_sent", "message_streamed", "message_sent", "message_sent"]
    put(store, "s", status="active")
    store.append_events([Event.new(type=k, session_id="s") for k in kinds])
    pruned = store.maintenance.prune_session_events("s", RetentionPolicy(max_events_per_session=4, batch_size=2))
    assert pruned == 6
    left = store.get_events("s")
    # Pruned: the three prune-first events (3, 6, 8), then the oldest others (2, 4, 7).
    assert [e.sequence_number for e in left] == [1, 5, 9, 10]
    assert store.get_latest_sequence("s") == 10
    assert store.append_event_with_sequence(Event.new(type="message_sent", session_id="s")).sequence_number == 11
    assert store.maintenance.health_check() == [], "pruning alone is not a problem"


def test_protected_events_stay_even_beyond_the_limit(store):
    store.append_events([Event.new(type="error_occurred", session_id="s") for _ in range(5)])
    assert store.maintenance.prune_session_events("s", RetentionPolicy(max_events_per_session=2)) == 0
    assert len(store.get_events("s")) == 5


def test_global_pruning_takes_the_oldest_prunable_events(store):
    put(store, "s1", status="active", events=3)
    put(store, "s2", status="active", events=3)
    report = store.maintenance.execute(RetentionPolicy(max_total_events=4, batch_size=1))
    assert report.events_pruned == 2 and report.errors == []
    assert [e.sequence_number for e in store.get_events("s1")] == [3]


def test_orphan_cleaning(store, raw):
    put(store, "alive")
    store.artifacts.register(key="kept", size_bytes=1, session_id="alive")
    store.artifacts.register(key="loose", size_bytes=1)
    store.artifacts.register(key="orphan", size_bytes=1, session_id="vanished")
    assert store.maintenance.clean_orphaned_artifacts() == 1
    assert store.artifacts.get_by_key("orphan") is None and store.artifacts.get_by_key("loose") is not None
    store.append_event(Event.new(type="message_sent", session_id="events_only"))
    raw.execute("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ('nothing', 7)")
    raw.execute("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES ('alive', 0)")
    assert store.maintenance.clean_orphaned_sequences() == 1
    assert store.get_latest_sequence("nothing") == 0
    assert store.get_latest_sequence("events_only") == 1 and count(raw, "asm_session_sequences") == 2


def test_health_check_reports_real_corruption(store, raw):
    put(store, "ok", events=2)
    assert store.maintenance.health_check() == []
    raw.execute("UPDATE asm_session_sequences SET last_sequence = 1 WHERE session_id = 'ok'")
    store.save_run(Run.new(session_id="ghost"))
    problems = store.maintenance.health_check()
    assert any("runs reference sessions that do not exist" in p for p in problems)
    assert any("'ok': counter 1 is below its highest stored sequence number 2" in p for p in problems)


def scenario(store):
    put(store, "old_done", age=100, events=2)
    put(store, "gone", deleted=40, events=2)
    put(store, "busy", status="active", events=8)
    store.artifacts.register(key="orphan", size_bytes=1, session_id="vanished")
    return RetentionPolicy(max_events_per_session=5, batch_size=2)


def snapshot(raw):
    return {t: count(raw, t) for t in ("asm_sessions", "asm_events", "asm_artifacts", "asm_session_sequences")}


def test_execute_reports_every_step_and_a_dry_run_changes_nothing(store, raw):
    policy = scenario(store)
    before = snapshot(raw)
    dry = store.maintenance.execute(policy, dry_run=True)
    assert snapshot(raw) == before and dry.dry_run
    real = store.maintenance.execute(policy)
    counts = lambda r: (r.sessions_soft_deleted, r.sessions_hard_deleted, r.events_pruned,  # noqa: E731
                        r.artifacts_cleaned, r.orphaned_sequences_cleaned)
    assert counts(real) == counts(dry) == (1, 1, 3, 1, 0)
    assert real.errors == [] and not real.dry_run and real.duration_ms >= 0
    assert store.maintenance.health_check() == []


def test_a_failing_step_is_reported_and_the_next_still_runs(fresh_url, dialect, connect):
    from databases import RawDatabase

    asm.migrate(fresh_url)
    store = connect(fresh_url)
    put(store, "old_done", age=100)
    db = RawDatabase(dialect, fresh_url)
    db.execute("DROP TABLE asm_artifacts")
    db.close()
    report = store.maintenance.execute(RetentionPolicy(hard_delete_after_days=None))
    assert report.sessions_soft_deleted == 1
    assert [e.split(":")[0] for e in report.errors] == ["orphaned artifacts"]
