"""Maintenance batches: each is one operation, so one transaction; a crash loses at most the
batch in flight, and running again finishes the job. A batch's id list goes to the database
in pieces that fit its statement size limit (asm/store/chunks.py), within that transaction.
Each batch reads on from where the last one stopped (a keyset), so it costs its own size."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.enums import SessionStatus
from asm.maintenance.policy import RetentionPolicy
from asm.store.chunks import count_by_ids


def _values(db: Database, members: tuple[Enum, ...]) -> Any:
    return db.dialect.encode_list([m.value for m in members]) if members else None


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


@operation(write=True, atomic=True)
def soft_delete_batch(db: Database, policy: RetentionPolicy, now: datetime,
                      after_id: str) -> Steps[tuple[int, int, str]]:
    """(sessions found, sessions soft-deleted, the last id read) for one batch of expired
    sessions with ids after after_id."""
    rows = yield Call("expired_session_ids", {
        "created_before": db.dialect.encode_ts(_cutoff(now, policy.max_session_age_days)),
        "completed_before": db.dialect.encode_ts(_cutoff(now, policy.max_completed_session_age_days)),
        "terminal_statuses": _values(db, SessionStatus.terminal()),
        "exempt_statuses": _values(db, policy.exempt_statuses),
        "exempt_tags": db.dialect.encode_list(list(policy.exempt_tags)) if policy.exempt_tags else None,
        "after_id": after_id,
        "limit": policy.batch_size,
    })
    if not rows:
        return 0, 0, after_id
    changed = yield from count_by_ids(db, "soft_delete_sessions", [r["id"] for r in rows],
                                      now=db.dialect.encode_ts(now))
    return len(rows), changed, rows[-1]["id"]


@operation(write=True, atomic=True)
def hard_delete_batch(db: Database, policy: RetentionPolicy, now: datetime,
                      after_id: str) -> Steps[tuple[int, int, str]]:
    """(sessions found, sessions deleted, the last id read) for one batch with ids after
    after_id, with their runs, events, counter, artifacts."""
    rows = yield Call("hard_delete_session_ids", {
        "deleted_before": db.dialect.encode_ts(_cutoff(now, policy.hard_delete_after_days)),
        "after_id": after_id,
        "limit": policy.batch_size,
    })
    if not rows:
        return 0, 0, after_id
    ids = [r["id"] for r in rows]
    for query in ("delete_events_of_sessions", "delete_runs_of_sessions", "delete_artifacts_of_sessions",
                  "delete_sequences_of_sessions"):
        yield from count_by_ids(db, query, ids)
    deleted = yield from count_by_ids(db, "delete_sessions_by_ids", ids)
    return len(rows), deleted, ids[-1]


@operation()
def sessions_over_event_limit(db: Database, policy: RetentionPolicy,
                              after_session_id: str | None) -> Steps[list[str]]:
    """One batch of ids of sessions holding more than max_events_per_session events, after
    after_session_id (None: from the start). Candidates come from the counters."""
    rows = yield Call("sessions_over_event_limit", {
        "max_events": policy.max_events_per_session, "after_session_id": after_session_id or "",
        "limit": policy.batch_size})
    return [r["session_id"] for r in rows]


# Pruning goes in passes, one per class of the pruning order: the prune-first types (if any
# is not protected), then every other type that is not protected. Each pass first finds its
# cut: how many events are over the limit (counts of index ranges) and, unless that takes all
# of the pass's candidates, the position of the excess-th candidate (one ordered walk). Then it
# deletes the pass's candidates up to the cut in batches: each batch reads the next events
# after the last one it read (a keyset range, whatever the plan) and deletes the candidates
# among them. So a batch costs its own size, never a count or sort of the session.
# A pass that must take all its candidates is followed by the next, which is cut anew (so
# events appended meanwhile count); a pass cut short of its candidates is the last. A pass
# never removes an event numbered (or, globally, stamped) after the newest one it saw.

def prune_passes(policy: RetentionPolicy) -> list[tuple[list[str] | None, list[str]]]:
    """(only these types or None for any, never these types) of each pass, in pruning order."""
    protected = [t.value for t in policy.protected_event_types]
    first = [t.value for t in policy.prune_event_types_first if t.value not in protected]
    passes: list[tuple[list[str] | None, list[str]]] = [(first, [])] if first else []
    return passes + [(None, first + protected)]


def _types(db: Database, only_types: list[str] | None, skip_types: list[str]) -> dict[str, Any]:
    return {"only_types": None if only_types is None else db.dialect.encode_list(only_types),
            "skip_types": db.dialect.encode_list(skip_types) if skip_types else None}


# A batch reads more events than it deletes when the pass's candidates are sparse (the
# prune-first types are often a small share): it reads about batch_size / share of them, so it
# deletes about batch_size, but never more than this many times batch_size.
MAX_READ_FACTOR = 10


def _through(counts: dict[str, Any], limit: int, only_types: list[str] | None,
             batch_size: int) -> tuple[int, bool, int]:
    """(how many events are over the limit, whether that takes all of this pass's candidates,
    how many events a batch reads)."""
    total, of_types = int(counts["total"]), int(counts["of_types"] or 0)
    candidates = of_types if only_types is not None else total - of_types
    read = batch_size if candidates <= 0 else min(MAX_READ_FACTOR * batch_size, -(-batch_size * total // candidates))
    return total - limit, candidates <= total - limit, read


def _candidates(rows: list[dict[str, Any]], only_types: list[str] | None, skip_types: list[str]) -> list[str]:
    """The ids among `rows` this pass removes."""
    if only_types is not None:
        return [r["id"] for r in rows if r["type"] in only_types]
    return [r["id"] for r in rows if r["type"] not in skip_types]


@operation()
def session_prune_cut(db: Database, policy: RetentionPolicy, session_id: str, only_types: list[str] | None,
                      skip_types: list[str]) -> Steps[tuple[int, int, int, bool] | None]:
    """(after, through, read, last): this pass deletes its events numbered after < n <= through,
    reading `read` events a batch. That leaves the session max_events_per_session events (`last`:
    no later pass is needed), or, with too few candidates, takes all of this pass's candidates
    up to its highest number. None when the session is within the limit."""
    limit = policy.max_events_per_session
    if limit is None:
        return None  # no limit: nothing to prune
    counter = yield Call("session_counter", {"session_id": session_id})
    if counter is not None and int(counter) <= limit:
        return None  # it holds at most `counter` events
    types = only_types if only_types is not None else skip_types
    span = yield Call("session_event_span", {
        "session_id": session_id, "types": db.dialect.encode_list(types) if types else None})
    if not span or int(span["total"]) <= limit:
        return None
    excess, takes_all, read = _through(span, limit, only_types, policy.batch_size)
    after, highest = int(span["lowest"]) - 1, int(span["highest"])
    if takes_all:
        return after, highest, read, False
    cut = yield Call("nth_prunable_session_event", {
        "session_id": session_id, **_types(db, only_types, skip_types),
        "after_sequence": after, "through_sequence": highest, "offset": excess - 1})
    return (after, int(cut["sequence_number"]), read, True) if cut else (after, highest, read, False)


@operation(write=True, atomic=True)
def prune_session_batch(db: Database, policy: RetentionPolicy, session_id: str, only_types: list[str] | None,
                        skip_types: list[str], through: int, read: int, after: int) -> Steps[tuple[int, int, int]]:
    """(events read, events deleted, the number to continue after) for one batch of a pass."""
    rows = yield Call("session_events_page", {
        "session_id": session_id, "after_sequence": after, "through_sequence": through, "limit": read})
    if not rows:
        return 0, 0, after
    ids = _candidates(rows, only_types, skip_types)
    deleted = (yield from count_by_ids(db, "delete_events_by_ids", ids)) if ids else 0
    return len(rows), deleted, int(rows[-1]["sequence_number"])


EventKey = tuple[Any, str]  # (timestamp as the driver returned it, id)


@operation()
def global_prune_cut(db: Database, policy: RetentionPolicy, only_types: list[str] | None,
                     skip_types: list[str]) -> Steps[tuple[EventKey, EventKey, int, bool] | None]:
    """(after, through, read, last): this pass deletes its events with after < (timestamp, id)
    <= through, which leaves max_total_events events in all (as in session_prune_cut). None
    when within the limit. Counting all events takes full index scans; the counters' sum
    bounds the count from above, so a database within the limit by that bound is not counted."""
    limit = policy.max_total_events
    if limit is None:
        return None  # no limit: nothing to prune
    if int((yield Call("counted_events_bound", {})) or 0) <= limit:
        return None
    types = only_types if only_types is not None else skip_types
    counts = yield Call("count_all_events", {"types": db.dialect.encode_list(types) if types else None})
    if not counts or int(counts["total"]) <= limit:
        return None
    excess, takes_all, read = _through(counts, limit, only_types, policy.batch_size)
    after, newest = (counts["oldest_at"], ""), (counts["newest_at"], counts["newest_id"])
    if takes_all:
        return after, newest, read, False
    cut = yield Call("nth_prunable_event", {
        **_types(db, only_types, skip_types), **_keys(after, newest), "offset": excess - 1})
    return (after, (cut["timestamp"], cut["id"]), read, True) if cut else (after, newest, read, False)


def _keys(after: EventKey, through: EventKey) -> dict[str, Any]:
    return {"after_at": after[0], "after_id": after[1], "through_at": through[0], "through_id": through[1]}


@operation(write=True, atomic=True)
def prune_global_batch(db: Database, policy: RetentionPolicy, only_types: list[str] | None, skip_types: list[str],
                       through: EventKey, read: int, after: EventKey) -> Steps[tuple[int, int, EventKey]]:
    """(events read, events deleted, the key to continue after) for one batch of a global pass."""
    rows = yield Call("events_page", {**_keys(after, through), "limit": read})
    if not rows:
        return 0, 0, after
    ids = _candidates(rows, only_types, skip_types)
    deleted = (yield from count_by_ids(db, "delete_events_by_ids", ids)) if ids else 0
    return len(rows), deleted, (rows[-1]["timestamp"], rows[-1]["id"])


@operation(write=True, atomic=True)
def orphaned_artifacts_batch(db: Database, batch_size: int, after_id: str) -> Steps[tuple[int, int, str]]:
    """(rows found, rows deleted, the last id read) for one batch of artifact rows whose session is gone."""
    rows = yield Call("orphaned_artifact_ids", {"after_id": after_id, "limit": batch_size})
    if not rows:
        return 0, 0, after_id
    ids = [r["id"] for r in rows]
    return len(rows), (yield from count_by_ids(db, "delete_artifacts_by_ids", ids)), ids[-1]


@operation(write=True, atomic=True)
def orphaned_sequences_batch(db: Database, batch_size: int, after_id: str) -> Steps[tuple[int, int, str]]:
    """(counters found, counters deleted, the last id read) for one batch of counters nothing uses."""
    rows = yield Call("lock_orphaned_sequences", {"after_session_id": after_id, "limit": batch_size})
    if not rows:
        return 0, 0, after_id
    ids = [r["session_id"] for r in rows]
    return len(rows), (yield from count_by_ids(db, "delete_orphaned_sequences", ids)), ids[-1]


@operation(write=True, atomic=True)
def refresh_statistics(db: Database) -> Steps[int]:
    """Bring the planner's statistics up to date where asm must (SQLite: a sampled ANALYZE);
    the other dialects keep their own, and run no-ops. Changes no row: counts 0."""
    yield Call("statistics_sample_limit", {})
    yield Call("refresh_statistics", {})
    return 0


@operation()
def health_check(db: Database) -> Steps[list[str]]:
    """Problems found (empty = healthy): rows referencing missing sessions, counters behind events.
    Events are checked with an index lookup or two per session id, not a read of every event."""
    problems: list[str] = []
    sessions = yield Call("session_health", {})
    orphans = [r for r in sessions if int(r["orphaned_events"] or 0)]
    if orphans:
        problems.append(f"{sum(int(r['orphaned_events']) for r in orphans)} events reference sessions that do not "
                        f"exist (e.g. {orphans[0]['session_id']!r})")
    row = yield Call("runs_without_session", {})
    if row and int(row["problems"]):
        problems.append(f"{int(row['problems'])} runs reference sessions that do not exist (e.g. {row['example']!r})")
    behind = [r for r in sessions if int(r["highest"]) > int(r["counter"] or 0)]
    for row in behind[:20]:
        problems.append(f"session {row['session_id']!r}: counter {int(row['counter'] or 0)} is below its "
                        f"highest stored sequence number {int(row['highest'])}")
    return problems
