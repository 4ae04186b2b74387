"""`asm stats`: one session in numbers (events per type, runs per status, tokens, time range)."""

from __future__ import annotations

import click

import asm
from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json, when
from asm.enums import EventType


@cli.command(short_help="One session in numbers: events per type, runs, tokens.")
@common
@click.argument("session_id", metavar="ID")
def stats(settings: Settings, session_id: str) -> None:
    """One session in numbers: events per type, runs per status, tokens, first and last event."""
    with settings.store() as store:
        found = store.query.get_session_stats(session_id)
        by_type = event_counts(store, session_id, found.event_count)
        artifacts = store.artifacts.session_stats(session_id)
    if settings.json:
        return print_json({"session_id": session_id, **output.jsonable(found), "events_by_type": by_type,
                           "artifact_count": artifacts.artifact_count, "artifact_bytes": artifacts.total_bytes})
    rows: list[tuple[str, object]] = [
        ("events", found.event_count), ("first event (UTC)", when(found.first_event_at)),
        ("last event (UTC)", when(found.last_event_at)),
        ("took", output.duration(found.first_event_at, found.last_event_at)),
        ("runs", found.run_count), *((f"runs {status}", n) for status, n in sorted(found.status_counts.items())),
        ("providers", ", ".join(found.providers_used)),
        *((name.replace("_", " "), value) for name, value in found.token_totals.items()),
        ("artifacts", f"{artifacts.artifact_count} ({artifacts.total_bytes} bytes)"),
    ]
    out = console()
    out.print(output.table(f"Session {session_id}", ("", "value"), rows))
    if by_type:
        out.print("")
        out.print(output.table("Events by type", ("type", "events"), sorted(by_type.items(), key=lambda kv: -kv[1]),
                               numeric=("events",)))


def event_counts(store: asm.SessionStore, session_id: str, total: int) -> dict[str, int]:
    """How many events of each type the session has; a count per type through the public API,
    stopping once every event is accounted for."""
    counts: dict[str, int] = {}
    seen = 0
    for event_type in EventType:
        if seen >= total:
            break
        if count := store.query.count_events(session_ids=[session_id], types=[event_type]):
            counts[event_type.value] = count
            seen += count
    return counts
