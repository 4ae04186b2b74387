"""Maintenance batches read on from where the last one stopped (issue 15: a keyset instead of
reading every row the earlier batches skipped, again, each batch). Small batches over rows to
change interleaved, in id order, with rows to keep: every due row is changed, no other."""

from __future__ import annotations

from datetime import timedelta

import attrs

from asm import Event, RetentionPolicy, Session

NOW = Session.new(agent_id="x").created_at


def put(store, id, status="completed", age=0, tags=(), deleted=None):
    session = Session.new(id=id, agent_id="a", status=status, tags=list(tags), created_at=NOW - timedelta(days=age),
                          updated_at=NOW - timedelta(days=age))
    store.save_session(attrs.evolve(session, deleted_at=None if deleted is None else NOW - timedelta(days=deleted)))


def test_soft_delete_in_small_batches_reaches_every_expired_session(store):
    for n in range(21):
        kind = n % 3
        put(store, f"s{n:02d}", age=100, status="active" if kind == 1 else "completed",
            tags=["pinned"] if kind == 2 else ())
    assert store.maintenance.soft_delete_expired_sessions(RetentionPolicy(batch_size=2)) == 7
    assert sorted(s.id for s in store.list_sessions() if s.deleted_at) == [f"s{n:02d}" for n in range(0, 21, 3)]


def test_hard_delete_in_small_batches_reaches_every_due_session(store, raw):
    for n in range(12):
        put(store, f"s{n:02d}", deleted=40 if n % 2 else 5)
        store.append_event(Event.new(type="message_sent", session_id=f"s{n:02d}"))
    assert store.maintenance.hard_delete_expired_sessions(RetentionPolicy(batch_size=2)) == 6
    kept = [f"s{n:02d}" for n in range(0, 12, 2)]
    assert sorted(r[0] for r in raw.execute("SELECT id FROM asm_sessions")) == kept
    assert sorted(r[0] for r in raw.execute("SELECT session_id FROM asm_events")) == kept


def test_orphan_cleaning_in_small_batches_reaches_every_orphan(store, raw):
    for n in range(10):
        alive = n % 2 == 0
        if alive:
            put(store, f"s{n:02d}")
        store.artifacts.register(id=f"a{n:02d}", key=f"k{n:02d}", size_bytes=1, session_id=f"s{n:02d}")
        raw.execute("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?, 3)", f"s{n:02d}")
    assert store.maintenance.clean_orphaned_artifacts(batch_size=2) == 5
    assert sorted(r[0] for r in raw.execute("SELECT id FROM asm_artifacts")) == [f"a{n:02d}" for n in range(0, 10, 2)]
    assert store.maintenance.clean_orphaned_sequences(batch_size=2) == 5
    assert sorted(r[0] for r in raw.execute("SELECT session_id FROM asm_session_sequences")) == \
        [f"s{n:02d}" for n in range(0, 10, 2)]


def test_execute_in_batches_of_one_reports_what_a_single_batch_does(store, raw):
    for n in range(6):
        put(store, f"old{n}", age=100)
        put(store, f"gone{n}", deleted=40)
        store.append_events([Event.new(type="message_sent", session_id=f"busy{n}") for _ in range(4)])
    one = store.maintenance.execute(RetentionPolicy(max_events_per_session=2, batch_size=1), dry_run=True)
    many = store.maintenance.execute(RetentionPolicy(max_events_per_session=2, batch_size=1000), dry_run=True)
    counts = lambda r: (r.sessions_soft_deleted, r.sessions_hard_deleted, r.events_pruned,  # noqa: E731
                        r.artifacts_cleaned, r.orphaned_sequences_cleaned)
    assert counts(one) == counts(many) == (6, 6, 12, 0, 0)
