"""`asm show`: one session: its runs, an event summary with the latest events, its artifacts."""

from __future__ import annotations

from collections.abc import Iterable

import click

from asm.cli import output, views
from asm.cli.app import COUNT, Settings, cli, common
from asm.cli.commands.events import PAGE_SIZE, require_events_or_session
from asm.records import Event

# The latest events a person sees by default: the rest is one `asm events ID` away.
DEFAULT_LAST = 20


@cli.command()
@common
@click.argument("session_id", metavar="ID")
@click.option("--last", type=COUNT, default=None,
              help=f"The latest N events (default {DEFAULT_LAST}; with --json: all, streamed).")
def show(settings: Settings, session_id: str, last: int | None) -> None:
    """A session, its runs, an event summary and its latest events.

    An id with events but no session row is shown too, and said to have no row.
    """
    with settings.store() as store:
        session = require_events_or_session(store, session_id)
        runs = store.list_runs(session_id)
        artifacts = store.artifacts.list_by_session(session_id)
        count = store.query.count_events(session_ids=[session_id])
        first = store.get_events(session_id, limit=1)
        latest = store.get_events(session_id, last=1 if last is None and settings.json else
                                  (DEFAULT_LAST if last is None else max(last, 1)))
        summary = views.EventSummary(count, first[0].timestamp if first else None,
                                     latest[-1].timestamp if latest else None)
        if settings.json:
            head = {"session": session, "runs": runs, "artifacts": artifacts, "event_count": summary.count,
                    "first_event_at": summary.first_at, "last_event_at": summary.last_at}
            shown: Iterable[Event] = (store.iter_events(session_id, batch_size=PAGE_SIZE) if last is None
                                      else latest[len(latest) - last:])
            with output.quiet_broken_pipe():
                return output.stream_json(head, "events", shown)
    tail = latest[len(latest) - (DEFAULT_LAST if last is None else last):]
    out = output.console()
    views.show(out, views.session_summary_view(session_id, session, runs, summary, tail))
    if artifacts:
        views.show(out, "", views.artifacts_table(artifacts))
