"""`asm events`: a session's events, once or (--follow) as they arrive."""

from __future__ import annotations

from typing import Any

import click

import asm
from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json
from asm.enums import EventType

# How long one long-poll read of --follow waits for new events before asking again.
FOLLOW_WAIT_MS = 5000


@cli.command()
@common
@click.argument("session_id", metavar="ID")
@click.option("--after", type=click.IntRange(min=0), default=None, help="Only events numbered above N.")
@click.option("--type", "types", multiple=True, type=click.Choice([t.value for t in EventType]),
              help="Only events of this type (repeatable).")
@click.option("--run", "run_id", help="Only events of this run.")
@click.option("--last", type=click.IntRange(min=0), default=None,
              help="Only the latest N matching events (still in sequence order).")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they arrive, until Ctrl-C.")
def events(settings: Settings, session_id: str, after: int | None, types: tuple[str, ...], run_id: str | None,
           last: int | None, follow: bool) -> None:
    """A session's events in sequence order (--follow: as they arrive)."""
    filters: dict[str, Any] = {"type": list(types) or None, "run_id": run_id}
    with settings.store() as store:
        _require_session(store, session_id)
        found = store.get_events(session_id, after=after, last=last, **filters)
        if not follow:
            if settings.json:
                return print_json({"session_id": session_id, "events": found})
            return console().print(output.timeline(found, title=f"Events of {session_id}"))
        _follow(store, settings, session_id, found, after or 0, filters)


def _follow(store: asm.SessionStore, settings: Settings, session_id: str, found: list[asm.Event], last: int,
            filters: dict[str, Any]) -> None:
    show_one = output.print_json_line if settings.json else lambda e: output.echo_flushed(output.event_line(e))
    try:
        while True:
            for event in found:
                show_one(event)
                if event.sequence_number is not None:  # always set on a stored event
                    last = event.sequence_number
            found = store.get_events(session_id, after=last, wait_timeout_ms=FOLLOW_WAIT_MS, **filters)
    except KeyboardInterrupt:
        return


def _require_session(store: asm.SessionStore, session_id: str) -> None:
    """A session is known when it has a row or events (events need no session row)."""
    try:
        store.get_session(session_id)
    except asm.SessionNotFound:
        if not store.get_latest_sequence(session_id):
            raise
