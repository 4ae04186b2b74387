"""Maintenance batches: each is one operation, so one transaction; a crash loses at most the
batch in flight, and running again finishes the job. A batch's id list goes to the database
in pieces that fit its statement size limit (asm/store/chunks.py), within that transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from asm.db.operation import Call, operation
from asm.enums import SessionStatus
from asm.maintenance.policy import RetentionPolicy
from asm.store.chunks import count_by_ids


def _values(dialect, members: tuple) -> Any:
    return dialect.encode_list([m.value for m in members]) if members else None


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


@operation(write=True, atomic=True)
def soft_delete_batch(dialect, policy: RetentionPolicy, now: datetime) -> tuple[int, int]:
    """(sessions found, sessions soft-deleted) for one batch of expired sessions."""
    rows = yield Call("expired_session_ids", {
        "created_before": dialect.encode_ts(_cutoff(now, policy.max_session_age_days)),
        "completed_before": dialect.encode_ts(_cutoff(now, policy.max_completed_session_age_days)),
        "terminal_statuses": _values(dialect, SessionStatus.terminal()),
        "exempt_statuses": _values(dialect, policy.exempt_statuses),
        "exempt_tags": dialect.encode_list(list(policy.exempt_tags)) if policy.exempt_tags else None,
        "limit": policy.batch_size,
    })
    if not rows:
        return 0, 0
    changed = yield from count_by_ids(dialect, "soft_delete_sessions", [r["id"] for r in rows],
                                      now=dialect.encode_ts(now))
    return len(rows), changed


@operation(write=True, atomic=True)
def hard_delete_batch(dialect, policy: RetentionPolicy, now: datetime) -> tuple[int, int]:
    """(sessions found, sessions deleted) for one batch, with their runs, events, counter, artifacts."""
    rows = yield Call("hard_delete_session_ids", {
        "deleted_before": dialect.encode_ts(_cutoff(now, policy.hard_delete_after_days)),
        "limit": policy.batch_size,
    })
    if not rows:
        return 0, 0
    ids = [r["id"] for r in rows]
    for query in ("delete_events_of_sessions", "delete_runs_of_sessions", "delete_artifacts_of_sessions",
                  "delete_sequences_of_sessions"):
        yield from count_by_ids(dialect, query, ids)
    deleted = yield from count_by_ids(dialect, "delete_sessions_by_ids", ids)
    return len(rows), deleted


@operation()
def sessions_over_event_limit(dialect, policy: RetentionPolicy, after_session_id: str | None) -> list[str]:
    """One batch of ids of sessions holding more than max_events_per_session events."""
    rows = yield Call("sessions_over_event_limit", {
        "max_events": policy.max_events_per_session, "after_session_id": after_session_id,
        "limit": policy.batch_size})
    return [r["session_id"] for r in rows]


@operation(write=True, atomic=True)
def prune_batch(dialect, policy: RetentionPolicy, session_id: str | None) -> int:
    """Prune up to batch_size of the events beyond the limit, of one session or (None) of all."""
    if session_id is None:
        total, limit = (yield Call("count_all_events", {})), policy.max_total_events
    else:
        total, limit = (yield Call("count_session_events", {"session_id": session_id})), policy.max_events_per_session
    excess = int(total or 0) - limit
    if excess <= 0:
        return 0
    params = {"protected_types": _values(dialect, policy.protected_event_types),
              "first_types": _values(dialect, policy.prune_event_types_first),
              "limit": min(excess, policy.batch_size)}
    if session_id is None:
        rows = yield Call("prunable_events", params)
    else:
        rows = yield Call("prunable_session_events", {**params, "session_id": session_id})
    if not rows:
        return 0
    return (yield from count_by_ids(dialect, "delete_events_by_ids", [r["id"] for r in rows]))


@operation(write=True, atomic=True)
def orphaned_artifacts_batch(dialect, batch_size: int) -> tuple[int, int]:
    """(rows found, rows deleted) for one batch of artifact rows whose session is gone."""
    rows = yield Call("orphaned_artifact_ids", {"limit": batch_size})
    if not rows:
        return 0, 0
    return len(rows), (yield from count_by_ids(dialect, "delete_artifacts_by_ids", [r["id"] for r in rows]))


@operation(write=True, atomic=True)
def orphaned_sequences_batch(dialect, batch_size: int) -> tuple[int, int]:
    """(counters found, counters deleted) for one batch of counters nothing uses."""
    rows = yield Call("lock_orphaned_sequences", {"limit": batch_size})
    if not rows:
        return 0, 0
    ids = [r["session_id"] for r in rows]
    return len(rows), (yield from count_by_ids(dialect, "delete_orphaned_sequences", ids))


@operation(write=True, atomic=True)
def refresh_statistics(dialect) -> int:
    """Bring the planner's statistics up to date where asm must (SQLite: a sampled ANALYZE);
    the other dialects keep their own, and run no-ops. Changes no row: counts 0."""
    yield Call("statistics_sample_limit", {})
    yield Call("refresh_statistics", {})
    return 0


@operation()
def health_check(dialect) -> list[str]:
    """Problems found (empty = healthy): rows referencing missing sessions, counters behind events."""
    problems = []
    for query, what in (("events_without_session", "events"), ("runs_without_session", "runs")):
        row = yield Call(query, {})
        if row and int(row["problems"]):
            problems.append(f"{int(row['problems'])} {what} reference sessions that do not exist "
                            f"(e.g. {row['example']!r})")
    for row in (yield Call("sequences_behind_events", {})):
        problems.append(f"session {row['session_id']!r}: counter {int(row['counter'] or 0)} is below its "
                        f"highest stored sequence number {int(row['highest'])}")
    return problems
