"""Maintenance jobs driven with canned batch results: the loops, the report, and one batch
operation's queries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from asm import StorageTimeout, StorageWriteFailed, ValidationError
from asm.drivers.dialects import Dialect
from asm.core.operation import RunOperation
from asm.maintenance import operations as ops
from asm.maintenance import jobs
from asm.maintenance.policy import MaintenanceReport, RetentionPolicy
from drive import ANY, call, fresh_dialect, play, run, step, throw

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def sqlite() -> Dialect:
    return fresh_dialect("sqlite")


def test_soft_delete_runs_batches_until_one_comes_back_short(sqlite: Dialect) -> None:
    policy = RetentionPolicy(batch_size=2)
    sent: list[Any] = []
    deleted = play(jobs.soft_delete_expired_sessions(sqlite, policy), [
        step(RunOperation(ops.soft_delete_batch, (policy, ANY, "")), (2, 2, "ses_2")),
        step(RunOperation(ops.soft_delete_batch, (policy, ANY, "ses_2")), (2, 1, "ses_4")),  # one was exempt meanwhile
        step(RunOperation(ops.soft_delete_batch, (policy, ANY, "ses_4")), (1, 1, "ses_5")),
    ], transcript=sent)
    assert deleted == 4
    assert len({batch.args[1] for batch in sent}) == 1  # one cutoff for the whole run


def test_an_empty_first_batch_ends_it(sqlite: Dialect) -> None:
    policy = RetentionPolicy()
    assert run(jobs.hard_delete_expired_sessions, sqlite, policy, script=[
        step(RunOperation(ops.hard_delete_batch, (policy, ANY, "")), (0, 0, "")),
    ]) == 0


def test_what_a_policy_turns_off_runs_nothing(sqlite: Dialect) -> None:
    off = RetentionPolicy(hard_delete_after_days=None, max_events_per_session=None)
    assert run(jobs.hard_delete_expired_sessions, sqlite, off, script=[]) == 0
    assert run(jobs.prune_session_events, sqlite, "ses_1", off, script=[]) == 0


@pytest.mark.parametrize(("args", "field"), [
    (("ses_1", {"batch_size": 2}), "policy"), (("", RetentionPolicy()), "session_id"),
])
def test_jobs_check_their_arguments_first(sqlite: Dialect, args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        run(jobs.prune_session_events, sqlite, *args, script=[])
    assert raised.value.details["field"] == field


def test_pruning_a_session_cuts_then_deletes_in_batches(sqlite: Dialect) -> None:
    policy = RetentionPolicy(max_events_per_session=100, batch_size=50)
    first = ["message_streamed", "token_usage_updated"]  # the policy's prune-first types, a pass of their own
    assert run(jobs.prune_session_events, sqlite, "ses_1", policy, script=[
        step(RunOperation(ops.session_prune_cut, (policy, "ses_1", first, [])), (0, 400, 50, False)),
        step(RunOperation(ops.prune_session_batch, (policy, "ses_1", first, [], 400, 50, 0)), (50, 20, 120)),
        step(RunOperation(ops.prune_session_batch, (policy, "ses_1", first, [], 400, 50, 120)), (10, 5, 400)),
        # That took every prune-first event and the session is still over: a pass over the rest.
        step(RunOperation(ops.session_prune_cut, (policy, "ses_1", None, [*first, "session_created", "error_occurred",
                                                                         "run_failed"])), (400, 450, 50, True)),
        step(RunOperation(ops.prune_session_batch, (policy, "ses_1", None, ANY, 450, 50, 400)), (30, 30, 450)),
    ]) == 55


def full_run(policy: RetentionPolicy, soft: Any) -> list[Any]:
    """execute's steps with nothing to prune; `soft` is the soft delete's step."""
    return [
        soft,
        step(RunOperation(ops.hard_delete_batch, (policy, ANY, "")), (1, 1, "ses_9")),
        step(RunOperation(ops.orphaned_artifacts_batch, (policy.batch_size, "")), (2, 2, "art_2")),
        step(RunOperation(ops.orphaned_sequences_batch, (policy.batch_size, "")), (0, 0, "")),
        step(RunOperation(ops.refresh_statistics, ()), 0),
    ]


def test_execute_runs_every_step_and_reports_the_counts(sqlite: Dialect) -> None:
    policy = RetentionPolicy()
    report = run(jobs.execute, sqlite, policy, script=full_run(
        policy, step(RunOperation(ops.soft_delete_batch, (policy, ANY, "")), (3, 3, "ses_3"))))
    assert report == MaintenanceReport(sessions_soft_deleted=3, sessions_hard_deleted=1, events_pruned=0,
                                       artifacts_cleaned=2, orphaned_sequences_cleaned=0,
                                       duration_ms=report.duration_ms, errors=[], dry_run=False)
    assert report.duration_ms >= 0


def test_a_failing_step_is_reported_and_the_next_one_runs(sqlite: Dialect) -> None:
    policy = RetentionPolicy()
    failure = StorageTimeout("soft_delete_sessions timed out")
    report = run(jobs.execute, sqlite, policy, script=full_run(
        policy, throw(RunOperation(ops.soft_delete_batch, (policy, ANY, "")), failure)))
    assert report.errors == ["soft delete: soft_delete_sessions timed out"]
    assert (report.sessions_soft_deleted, report.sessions_hard_deleted, report.artifacts_cleaned) == (0, 1, 2)


def test_every_failing_step_is_reported(sqlite: Dialect) -> None:
    policy = RetentionPolicy()
    steps = full_run(policy, step(RunOperation(ops.soft_delete_batch, (policy, ANY, "")), (0, 0, "")))
    failing = [throw(s.expected, StorageWriteFailed(f"failure {i}")) for i, s in enumerate(steps)]
    report = run(jobs.execute, sqlite, policy, script=failing)
    assert report.errors == ["soft delete: failure 0", "hard delete: failure 1", "orphaned artifacts: failure 2",
                             "orphaned counters: failure 3", "statistics: failure 4"]


def test_a_dry_run_runs_the_same_steps_and_says_so(sqlite: Dialect) -> None:
    # The rollback is the store's (one transaction around it all); the steps and counts are a real run's.
    policy = RetentionPolicy()
    report = run(jobs.execute, sqlite, policy, dry_run=True, script=full_run(
        policy, step(RunOperation(ops.soft_delete_batch, (policy, ANY, "")), (3, 3, "ses_3"))))
    assert (report.dry_run, report.sessions_soft_deleted) == (True, 3)


# -- one batch, as queries -----------------------------------------------------------------


def test_a_soft_delete_batch_reads_expired_ids_then_marks_them(sqlite: Dialect) -> None:
    policy = RetentionPolicy(batch_size=3, max_session_age_days=365)
    sqlite.max_packet_bytes = 1 << 20
    assert run(ops.soft_delete_batch, sqlite, policy, NOW, "ses_0", script=[
        call("expired_session_ids", {
            "created_before": "2024-06-01T00:00:00.000000Z", "completed_before": "2025-03-03T00:00:00.000000Z",
            "terminal_statuses": '["completed","failed","cancelled"]', "exempt_statuses": '["active","paused"]',
            "exempt_tags": '["pinned"]', "after_id": "ses_0", "limit": 3}, [{"id": "ses_1"}, {"id": "ses_2"}]),
        call("soft_delete_sessions", {"ids": '["ses_1","ses_2"]', "now": "2025-06-01T00:00:00.000000Z"}, 2),
    ]) == (2, 2, "ses_2")


def test_a_soft_delete_batch_with_nothing_expired_changes_nothing(each_dialect: Dialect) -> None:
    policy = RetentionPolicy(exempt_statuses=[], exempt_tags=[])
    assert run(ops.soft_delete_batch, each_dialect, policy, NOW, "ses_7", script=[
        call("expired_session_ids", {
            "created_before": None, "completed_before": each_dialect.encode_ts(NOW - timedelta(days=90)),
            "terminal_statuses": each_dialect.encode_list(["completed", "failed", "cancelled"]),
            "exempt_statuses": None, "exempt_tags": None, "after_id": "ses_7", "limit": 1000}, []),
    ]) == (0, 0, "ses_7")
