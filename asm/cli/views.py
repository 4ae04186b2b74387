"""What the commands show people: sessions, runs, timelines, usage and reports as rich tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from asm.cli.output import cell, duration, one_day, table, timeline, when
from asm.maintenance import MaintenanceReport
from asm.records import Artifact, Event, Run, Session


def session_panel(session: Session) -> Table:
    out = Table.grid(padding=(0, 2))
    out.add_column(style="bold", no_wrap=True)
    out.add_column()
    rows = [
        ("session", session.id), ("agent", session.agent_id), ("status", session.status),
        ("parent", session.parent_session_id), ("tags", ", ".join(session.tags)),
        ("created", when(session.created_at)), ("updated", when(session.updated_at)),
        ("deleted", when(session.deleted_at)),
        ("metadata", session.metadata or None), ("context", session.context or None),
    ]
    for name, value in rows:
        if value not in (None, ""):
            out.add_row(name, Text(cell(value)))
    return out


def sessions_table(sessions: Sequence[Session], title: str | None = None) -> Table | Group:
    return table(title, ("id", "agent", "status", "created (UTC)", "updated (UTC)"),
                 ((s.id, s.agent_id, s.status, when(s.created_at, millis=False), when(s.updated_at, millis=False))
                  for s in sessions),
                 no_wrap=("id", "created (UTC)", "updated (UTC)"))


def sessions_title(shown: int, total: int | None) -> str:
    """"Sessions (20 of 431)" with a total (`asm sessions --total`), else "Sessions (20)"."""
    return f"Sessions ({shown})" if total is None else f"Sessions ({shown} of {total})"


def run_labels(runs: Sequence[Run]) -> dict[str, str]:
    """Short names for a session's runs in a timeline: their row in the runs table."""
    return {run.id: f"#{n}" for n, run in enumerate(runs, start=1)}


def runs_table(runs: Sequence[Run], title: str | None = "Runs") -> Table | Group:
    labels = run_labels(runs)
    day = one_day([r.started_at for r in runs])
    errors = any(r.error for r in runs)
    columns: tuple[str, ...] = ("", "run", "status", "provider", "turns", "tokens", "started (UTC)", "took")
    columns += ("error",) if errors else ()
    rows = []
    for r in runs:
        row = (labels[r.id], r.id, r.status, r.provider, r.turn_count, r.token_usage.get("total_tokens", ""),
               when(r.started_at, date=day is None), duration(r.started_at, r.ended_at))
        rows.append(row + ((_error_text(r.error),) if errors else ()))
    if title is not None and day is not None:
        title = f"{title} ({day})"
    return table(title, columns, rows, numeric=("turns", "tokens", "took"), no_wrap=("run", "started (UTC)"))


def _error_text(error: dict[str, Any] | None) -> str:
    if not error:
        return ""
    return error["message"] if isinstance(error.get("message"), str) else cell(error)


def artifacts_table(artifacts: Sequence[Artifact], title: str | None = "Artifacts") -> Table | Group:
    return table(title, ("key", "type", "content type", "bytes", "storage"),
                 ((a.key, a.type, a.content_type, a.size_bytes, a.storage_ref) for a in artifacts),
                 numeric=("bytes",), no_wrap=("key",))


def session_view(session: Session, runs: Sequence[Run], events: Sequence[Event]) -> Group:
    return Group(session_panel(session), "", runs_table(runs), "", timeline(events, run_labels=run_labels(runs)))


@attrs.frozen
class EventSummary:
    """How many events a session has and when the first and the last were recorded."""

    count: int
    first_at: datetime | None
    last_at: datetime | None


def session_summary_view(session_id: str, session: Session | None, runs: Sequence[Run], summary: EventSummary,
                         latest: Sequence[Event]) -> Group:
    """`asm show`: the session (or a note that it has no row), its runs, an event summary and
    only the latest events, with how many older ones are left out."""
    head: Any = session_panel(session) if session is not None else Text(
        f"session {session_id} has events but no session row (events need none)", style="bold")
    parts: list[Any] = [head, "", runs_table(runs), "", Text(event_summary_line(summary))]
    if latest:
        parts += ["", timeline(latest, title=f"Latest {len(latest)} events", run_labels=run_labels(runs))]
    if (older := summary.count - len(latest)) > 0:
        parts.append(Text(f"{older:,} older events not shown: `asm events {session_id}` lists them all, "
                          f"`--last N` shows more here"))
    return Group(*parts)


def event_summary_line(summary: EventSummary) -> str:
    if not summary.count:
        return "Events: none"
    return f"Events: {summary.count:,} (first {when(summary.first_at)}, last {when(summary.last_at)} UTC)"


def report_table(report: MaintenanceReport) -> Table | Group:
    title = "Maintenance (dry run: nothing changed)" if report.dry_run else "Maintenance"
    rows = [
        ("sessions soft-deleted", report.sessions_soft_deleted),
        ("sessions hard-deleted", report.sessions_hard_deleted),
        ("events pruned", report.events_pruned),
        ("artifact rows cleaned", report.artifacts_cleaned),
        ("orphaned counters cleaned", report.orphaned_sequences_cleaned),
        ("duration (ms)", report.duration_ms),
    ]
    return table(title, ("step", "rows"), rows, numeric=("rows",))


def show(console: Console, *renderables: Any) -> None:
    for renderable in renderables:
        console.print(renderable)
