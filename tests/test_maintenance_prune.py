"""Pruning in passes with keyset batches (issue 15) removes exactly the events the policy says,
whatever the batch size: the reference below is the definition (prunable events in pruning
order, prune-first types first, oldest first; the first `total - limit` go), checked against
random mixes of types on every dialect and API. Also: counters that overstate how many events
a session holds, and events appended while a prune runs."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

import asm
from asm import Event, RetentionPolicy, Session
from asm.core.steps import drive
from asm.errors import AsmError
from asm.maintenance import jobs

NOW = Session.new(agent_id="x").created_at
TYPES = ["session_created", "message_sent", "message_streamed", "token_usage_updated", "error_occurred",
         "tool_call_started", "run_failed"]
# Only pruning runs: nothing is old enough to expire in these tests anyway.
QUIET = dict(max_completed_session_age_days=None, hard_delete_after_days=None)


def reference(events: list[tuple], policy: RetentionPolicy, limit: int) -> list:
    """The keys of `events` ((key, type) pairs, key = the order within a class) that stay."""
    protected = {t.value for t in policy.protected_event_types}
    first = {t.value for t in policy.prune_event_types_first}
    prunable = sorted((e for e in events if e[1] not in protected), key=lambda e: (e[1] not in first, e[0]))
    gone = {key for key, _type in prunable[:max(0, len(events) - limit)]}
    return sorted(key for key, _type in events if key not in gone)


def types_of(policy: RetentionPolicy) -> dict:
    return {"prune_event_types_first": policy.prune_event_types_first,
            "protected_event_types": policy.protected_event_types}


def numbers(raw, session_id: str) -> list[int]:
    rows = raw.execute("SELECT sequence_number FROM asm_events WHERE session_id = ? ORDER BY sequence_number",
                       session_id)
    return [int(r[0]) for r in rows]


POLICIES = [
    RetentionPolicy(),  # prune-first: message_streamed, token_usage_updated; protected: 3 types
    RetentionPolicy(prune_event_types_first=[]),
    RetentionPolicy(protected_event_types=[]),
    RetentionPolicy(prune_event_types_first=["message_streamed", "error_occurred"]),  # one is protected too
    RetentionPolicy(prune_event_types_first=["error_occurred"]),  # all of them protected: one pass
    RetentionPolicy(prune_event_types_first=[], protected_event_types=[]),
]


@pytest.mark.parametrize("policy_index", range(len(POLICIES)))
def test_session_pruning_removes_what_the_reference_says_at_any_batch_size(store, raw, policy_index):
    rng = random.Random(policy_index)
    base = POLICIES[policy_index]
    for case, batch_size in enumerate((1, 2, 3, 7, 1000)):
        sid = f"s{case}"
        kinds = [rng.choice(TYPES) for _ in range(rng.randint(20, 45))]
        store.append_events([Event.new(type=k, session_id=sid) for k in kinds])
        limit = rng.randint(1, 18)
        policy = RetentionPolicy(**types_of(base), max_events_per_session=limit, batch_size=batch_size)
        expected = reference(list(enumerate(kinds, 1)), policy, limit)
        pruned = store.maintenance.prune_session_events(sid, policy)
        assert numbers(raw, sid) == expected, (kinds, limit, batch_size)
        assert pruned == len(kinds) - len(expected)
        assert store.get_latest_sequence(sid) == len(kinds), "pruning never lowers a counter"
        assert store.maintenance.prune_session_events(sid, policy) == 0


def test_execute_prunes_every_session_over_the_limit_and_only_those(store, raw):
    rng = random.Random(7)
    expected = {}
    policy = RetentionPolicy(max_events_per_session=6, batch_size=2, **QUIET)
    for n in range(9):
        sid = f"s{n}"
        kinds = [rng.choice(TYPES) for _ in range(rng.randint(1, 14))]
        store.append_events([Event.new(type=k, session_id=sid) for k in kinds])
        expected[sid] = reference(list(enumerate(kinds, 1)), policy, 6)
    report = store.maintenance.execute(policy)
    assert report.errors == []
    assert {sid: numbers(raw, sid) for sid in expected} == expected


def test_a_counter_above_the_count_neither_hides_a_session_nor_overprunes_it(store, raw):
    # Counters never go down: after deletes they overstate the count, which bounds candidates
    # only from above. Here five sessions look over the limit by their counter but are not,
    # and three are, some of them with most of their numbers already gone.
    for n in range(5):
        store.append_events([Event.new(type="message_sent", session_id=f"pruned{n}") for _ in range(30)])
        raw.execute("DELETE FROM asm_events WHERE session_id = ? AND sequence_number <= 26", f"pruned{n}")
    for n in range(3):
        store.append_events([Event.new(type="message_sent", session_id=f"over{n}") for _ in range(100)])
        raw.execute("DELETE FROM asm_events WHERE session_id = ? AND sequence_number BETWEEN 3 AND 90", f"over{n}")
    assert store.get_latest_sequence("over0") == 100 and len(numbers(raw, "over0")) == 12
    report = store.maintenance.execute(RetentionPolicy(max_events_per_session=4, batch_size=2, **QUIET))
    # 12 events over the limit of 4: 8 go, the oldest ones (1, 2, 91..96), not 96.
    assert report.events_pruned == 3 * 8 and report.errors == []
    for n in range(3):
        assert numbers(raw, f"over{n}") == [97, 98, 99, 100]
    for n in range(5):
        assert numbers(raw, f"pruned{n}") == [27, 28, 29, 30]
    assert store.maintenance.execute(RetentionPolicy(max_events_per_session=4, **QUIET)).events_pruned == 0


def test_a_session_without_a_counter_is_still_pruned_when_asked_by_id(store, raw):
    store.append_events([Event.new(type="message_sent", session_id="s") for _ in range(8)])
    raw.execute("DELETE FROM asm_session_sequences WHERE session_id = 's'")
    assert store.maintenance.prune_session_events("s", RetentionPolicy(max_events_per_session=3)) == 5
    assert numbers(raw, "s") == [6, 7, 8]


@pytest.mark.parametrize("policy_index", [0, 1, 3])
def test_global_pruning_removes_what_the_reference_says_at_any_batch_size(store, raw, policy_index):
    rng = random.Random(100 + policy_index)
    base = POLICIES[policy_index]
    for batch_size in (1, 3, 1000):
        raw.clean()
        events = []
        for n in range(40):
            # Few distinct timestamps, so ties are broken by id; ids in random order.
            at = NOW - timedelta(seconds=rng.randint(0, 5))
            events.append(Event.new(id=f"e{rng.randrange(10**6):06d}-{n}", type=rng.choice(TYPES),
                                    session_id=f"s{n % 3}", timestamp=at))
        for sid in ("s0", "s1", "s2"):
            store.append_events([e for e in events if e.session_id == sid])
        limit = rng.randint(5, 30)
        policy = RetentionPolicy(**types_of(base), max_total_events=limit, batch_size=batch_size, **QUIET)
        keyed = [((e.timestamp, e.id), e.type.value) for e in events]
        expected = [key[1] for key in reference(keyed, policy, limit)]
        report = store.maintenance.execute(policy)
        assert report.errors == [] and report.events_pruned == len(events) - len(expected)
        left = sorted(r[0] for r in raw.execute("SELECT id FROM asm_events"))
        assert left == sorted(expected), (limit, batch_size)


def test_global_pruning_counts_nothing_when_the_counters_are_within_the_limit(store, raw):
    store.append_events([Event.new(type="message_sent", session_id="s", timestamp=NOW + timedelta(seconds=n))
                         for n in range(5)])
    raw.execute("DELETE FROM asm_events WHERE sequence_number <= 2")
    assert store.maintenance.execute(RetentionPolicy(max_total_events=5, **QUIET)).events_pruned == 0
    assert store.maintenance.execute(RetentionPolicy(max_total_events=2, **QUIET)).events_pruned == 1
    assert numbers(raw, "s") == [4, 5]


def test_a_dry_run_prune_counts_what_a_real_one_does(store, raw):
    kinds = ["session_created"] + ["message_sent", "message_streamed", "error_occurred"] * 10
    store.append_events([Event.new(type=k, session_id="s") for k in kinds])
    policy = RetentionPolicy(max_events_per_session=7, max_total_events=5, batch_size=2, **QUIET)
    dry = store.maintenance.execute(policy, dry_run=True)
    assert len(numbers(raw, "s")) == len(kinds)
    real = store.maintenance.execute(policy)
    assert dry.events_pruned == real.events_pruned == len(kinds) - 11  # 11 protected events stay
    assert len(numbers(raw, "s")) == 11


def test_events_appended_while_a_prune_runs_are_kept_and_counted(store, raw):
    # A thread appends while a prune of small batches runs. Whatever the interleaving: no new
    # event is pruned (each pass stops at the newest event it saw, and the new ones are the
    # newest of their class), no protected one either, the oldest ones go, and the session
    # never ends below the limit; a second prune brings it down to the limit exactly.
    store.append_events([Event.new(type="session_created", session_id="s")]
                        + [Event.new(type="message_sent", session_id="s") for _ in range(299)])
    appended = []

    def append():
        for n in range(60):
            kind = "message_streamed" if n % 3 == 0 else "message_sent"
            appended.append(store.append_event_with_sequence(Event.new(type=kind, session_id="s")).sequence_number)

    thread = threading.Thread(target=append)
    thread.start()
    policy = RetentionPolicy(max_events_per_session=100, batch_size=5, prune_event_types_first=[])
    try:
        store.maintenance.prune_session_events("s", policy)
    finally:
        thread.join()
    left = numbers(raw, "s")
    assert set(appended) <= set(left) and left[0] == 1
    old_kept = [n for n in left if 1 < n <= 300]
    assert old_kept == list(range(301 - len(old_kept), 301)), "the oldest go first"
    assert 100 <= len(left) <= 160
    store.maintenance.prune_session_events("s", policy)
    assert len(numbers(raw, "s")) == 100


def drive_job(store, proc, args, after_step):
    """Run a maintenance job on a sync store, calling after_step(name) after each batch
    operation: a way to act between two batches."""
    executor = store._executor

    def perform(step):
        result = executor.run(step.fn, *step.args, **step.kwargs)
        after_step(step.fn.__name__)
        return result

    return drive(proc(executor.dialect, *args), perform, catch=AsmError)


def test_a_pass_ignores_events_appended_after_its_cut_and_the_next_pass_counts_them(raw, dialect):
    with asm.connect(raw.url) as store:
        kinds = ["session_created"] + ["message_streamed", "message_sent"] * 15  # 31 events
        store.append_events([Event.new(type=k, session_id="s") for k in kinds])
        new = []

        def after_step(name):
            if name == "prune_session_batch" and not new:  # after the first batch of the first pass
                new.extend(store.append_event_with_sequence(Event.new(type=k, session_id="s")).sequence_number
                           for k in ("message_streamed", "message_sent") * 3)

        policy = RetentionPolicy(max_events_per_session=10, batch_size=4)
        pruned = drive_job(store, jobs.prune_session_events, ("s", policy), after_step)
        left = numbers(raw, "s")
        # Pass 1 (message_streamed) was cut at 21 events over the limit of 10: all 15 old ones
        # go, the 3 appended after the cut stay. Pass 2 counted 37 - 15 = 22 events: 12 over,
        # the oldest 12 message_sent (3, 5, ... 25).
        assert new == list(range(32, 38))
        assert pruned == 27 and len(left) == 10
        assert left == [1, 27, 29, 31, 32, 33, 34, 35, 36, 37]
