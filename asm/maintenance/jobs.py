"""Maintenance as jobs: loops of batch operations (see asm/core/operation.py), written once
for the sync and the async store."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from asm.arguments import require_id, require_record
from asm.core.database import Database
from asm.core.operation import JobSteps, RunOperation, Steps, job
from asm.errors import AsmError
from asm.ids import utc_now
from asm.maintenance import operations as ops
from asm.maintenance.policy import MaintenanceReport, RetentionPolicy

DEFAULT_BATCH_SIZE = RetentionPolicy().batch_size
# Told a step's running total after each of its batches (committed, unless in a dry run).
Tell = Callable[[int], None] | None
# Told the step's name and its running total after each batch (`execute(on_batch=...)`).
OnBatch = Callable[[str, int], None] | None


@job
def soft_delete_expired_sessions(db: Database, policy: RetentionPolicy) -> JobSteps[int]:
    """Soft-delete non-exempt sessions past max_session_age_days or max_completed_session_age_days."""
    policy = require_record(policy, RetentionPolicy, "policy")
    return (yield from _soft_delete(policy))


def _soft_delete(policy: RetentionPolicy, tell: Tell = None) -> JobSteps[int]:
    return (yield from _batches(ops.soft_delete_batch, policy.batch_size, policy, utc_now(), "", tell=tell))


@job
def hard_delete_expired_sessions(db: Database, policy: RetentionPolicy) -> JobSteps[int]:
    """Hard-delete sessions soft-deleted more than hard_delete_after_days ago, with all they own."""
    policy = require_record(policy, RetentionPolicy, "policy")
    return (yield from _hard_delete(policy))


def _hard_delete(policy: RetentionPolicy, tell: Tell = None) -> JobSteps[int]:
    if policy.hard_delete_after_days is None:
        return 0
    return (yield from _batches(ops.hard_delete_batch, policy.batch_size, policy, utc_now(), "", tell=tell))


@job
def prune_session_events(db: Database, session_id: str, policy: RetentionPolicy) -> JobSteps[int]:
    """Prune a session's oldest events beyond max_events_per_session (prune-first types first,
    protected types never). The session's counter is left alone: appends continue the sequence."""
    policy = require_record(policy, RetentionPolicy, "policy")
    require_id(session_id, "session_id")
    if policy.max_events_per_session is None:
        return 0
    return (yield from _prune_session(policy, session_id))


@job
def clean_orphaned_artifacts(db: Database, batch_size: int = DEFAULT_BATCH_SIZE, tell: Tell = None) -> JobSteps[int]:
    """Delete artifact rows whose session no longer exists."""
    return (yield from _batches(ops.orphaned_artifacts_batch, batch_size, batch_size, "", tell=tell))


@job
def clean_orphaned_sequences(db: Database, batch_size: int = DEFAULT_BATCH_SIZE, tell: Tell = None) -> JobSteps[int]:
    """Delete counters that neither a session row nor any event uses."""
    return (yield from _batches(ops.orphaned_sequences_batch, batch_size, batch_size, "", tell=tell))


@job
def execute(db: Database, policy: RetentionPolicy, *, dry_run: bool = False,
            on_batch: OnBatch = None) -> JobSteps[MaintenanceReport]:
    """Soft delete, hard delete, prune, clean orphaned artifacts and counters, in that order,
    then refresh the planner's statistics (SQLite's ANALYZE: nothing else keeps them).
    A failing step is reported in `errors` and the next still runs. dry_run=True runs it all in
    one transaction that is rolled back: the counts are a real run's, and nothing changes.
    `on_batch(step, total)` hears each step's running total after each of its batches (each
    committed, outside a dry run): what an interrupted run has done already."""
    policy = require_record(policy, RetentionPolicy, "policy")
    started = time.monotonic()
    errors: list[str] = []
    counts: dict[str, int] = {}
    steps: list[tuple[str, Callable[[Tell], JobSteps[int]]]] = [
        ("soft delete", lambda tell: _soft_delete(policy, tell)),
        ("hard delete", lambda tell: _hard_delete(policy, tell)),
        ("prune", lambda tell: _prune_everything(policy, tell)),
        ("orphaned artifacts", lambda tell: clean_orphaned_artifacts(db, policy.batch_size, tell)),
        ("orphaned counters", lambda tell: clean_orphaned_sequences(db, policy.batch_size, tell)),
        ("statistics", lambda tell: _refresh_statistics()),
    ]
    for name, step in steps:
        tell = None if on_batch is None else functools.partial(on_batch, name)
        try:
            counts[name] = yield from step(tell)
        except AsmError as exc:
            counts[name] = 0
            errors.append(f"{name}: {exc}")
    return MaintenanceReport(
        sessions_soft_deleted=counts["soft delete"], sessions_hard_deleted=counts["hard delete"],
        events_pruned=counts["prune"], artifacts_cleaned=counts["orphaned artifacts"],
        orphaned_sequences_cleaned=counts["orphaned counters"],
        duration_ms=int((time.monotonic() - started) * 1000), errors=errors, dry_run=bool(dry_run))


def _refresh_statistics() -> JobSteps[int]:
    count: int = yield RunOperation(ops.refresh_statistics, ())
    return count


def _batches(batch: Callable[..., Steps[tuple[int, int, Any]]], batch_size: int,
             *args: Any, tell: Tell = None) -> JobSteps[int]:
    """Run `batch` until it finds less than a full batch; the sum of what it changed. Its last
    argument is where to read on from (its keyset), and it returns the next one."""
    total: int = 0
    args, after = args[:-1], args[-1]
    while True:
        found, changed, after = yield RunOperation(batch, (*args, after))
        total += changed
        if tell is not None:
            tell(total)
        if found < batch_size:
            return total


def _passes(cut: Callable[..., Steps[tuple[Any, Any, int, bool] | None]],
            batch: Callable[..., Steps[tuple[int, int, Any]]], policy: RetentionPolicy,
            *args: Any, tell: Tell = None, done: int = 0) -> JobSteps[int]:
    """A prune (see operations.py): per pass, find the cut, then delete up to it in batches.
    `tell` hears `done` (what earlier prunes of the step deleted) plus this prune's total."""
    total = 0
    for only_types, skip_types in ops.prune_passes(policy):
        found = yield RunOperation(cut, (policy, *args, only_types, skip_types))
        if found is None:
            return total  # within the limit: the later passes have nothing to do either
        after, through, read, last = found
        while True:
            got, deleted, after = yield RunOperation(
                batch, (policy, *args, only_types, skip_types, through, read, after))
            total += deleted
            if tell is not None:
                tell(done + total)
            if got < read:
                break
        if last:
            break  # this pass alone brought it down to the limit
    return total


def _prune_session(policy: RetentionPolicy, session_id: str, tell: Tell = None, done: int = 0) -> JobSteps[int]:
    return (yield from _passes(ops.session_prune_cut, ops.prune_session_batch, policy, session_id,
                               tell=tell, done=done))


def _prune_everything(policy: RetentionPolicy, tell: Tell = None) -> JobSteps[int]:
    total = 0
    if policy.max_events_per_session is not None:
        after = None
        while True:
            sessions = yield RunOperation(ops.sessions_over_event_limit, (policy, after))
            for session_id in sessions:
                total += yield from _prune_session(policy, session_id, tell, total)
            if len(sessions) < policy.batch_size:
                break
            after = sessions[-1]
    if policy.max_total_events is not None:
        total += yield from _passes(ops.global_prune_cut, ops.prune_global_batch, policy, tell=tell, done=total)
    return total
