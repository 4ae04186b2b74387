"""`asm events`: a session's events, streamed a page at a time, or (--follow) as they arrive."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import click

import asm
from asm.cli import output
from asm.cli.app import COUNT, Settings, cli, common
from asm.cli.params import event_type_choice, event_types_help

# How long one long-poll read of --follow waits for new events before asking again.
FOLLOW_WAIT_MS = 5000
# Events per read of a streamed listing: memory holds about one page.
PAGE_SIZE = 500


@cli.command()
@common
@click.argument("session_id", metavar="ID")
@click.option("--after", type=COUNT, default=None, help="Only events numbered above N.")
@click.option("--before", type=COUNT, default=None, help="Only events numbered below N.")
@click.option("--type", "types", multiple=True, metavar="TYPE", type=event_type_choice(),
              help=event_types_help("Only events of this type"))
@click.option("--run", "run_id", help="Only events of this run.")
@click.option("--limit", type=COUNT, default=None, help="Only the first N matching events.")
@click.option("--last", type=COUNT, default=None,
              help="Only the latest N matching events (still in sequence order).")
@click.option("--pager/--no-pager", default=True, show_default=True,
              help="Page the listing on a terminal ($PAGER, else less); never when piped.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they arrive, until Ctrl-C.")
def events(settings: Settings, session_id: str, after: int | None, before: int | None, types: tuple[str, ...],
           run_id: str | None, limit: int | None, last: int | None, pager: bool, follow: bool) -> None:
    """A session's events in sequence order, one line each (--follow: as they arrive).

    The listing is read a page at a time and printed as it is read, however long the session.
    """
    if limit is not None and last is not None:
        raise click.UsageError("--limit and --last cannot be combined")
    if follow and (before is not None or limit is not None):
        raise click.UsageError("--follow takes no --before or --limit: it never ends")
    filters: dict[str, Any] = {"type": list(types) or None, "run_id": run_id}
    with settings.store() as store:
        require_events_or_session(store, session_id)
        if follow:
            found = store.get_events(session_id, after=after, last=last, **filters)
            return _follow(store, settings, session_id, found, after or 0, filters)
        if last is not None:
            # The tail is read in one statement; N is the caller's bound on memory.
            listing: Iterator[asm.Event] = iter(store.get_events(session_id, after=after, before=before,
                                                                 last=last, **filters))
        else:
            listing = store.iter_events(session_id, after=after, before=before,
                                        batch_size=min(limit or PAGE_SIZE, PAGE_SIZE) or 1, **filters)
            if limit is not None:
                listing = itertools.islice(listing, limit)
        with output.quiet_broken_pipe():
            if settings.json:
                return output.stream_json({"session_id": session_id}, "events", listing)
            output.stream_lines((output.event_line(e) for e in listing), pager=pager)


def _follow(store: asm.SessionStore, settings: Settings, session_id: str, found: list[asm.Event], last: int,
            filters: dict[str, Any]) -> None:
    show_one = output.print_json_line if settings.json else lambda e: output.echo_flushed(output.event_line(e))
    # Until Ctrl-C, which `main` reports as an interruption (exit 130).
    while True:
        for event in found:
            show_one(event)
            if event.sequence_number is not None:  # always set on a stored event
                last = event.sequence_number
        found = store.get_events(session_id, after=last, wait_timeout_ms=FOLLOW_WAIT_MS, **filters)


def require_events_or_session(store: asm.SessionStore, session_id: str) -> asm.Session | None:
    """The session's row; None for an id with events but no row (events need no session row).
    An id with neither raises SessionNotFound."""
    try:
        return store.get_session(session_id)
    except asm.SessionNotFound:
        if not store.get_latest_sequence(session_id):
            raise
        return None
