"""`asm show`: one session with its runs, event timeline and artifacts."""

from __future__ import annotations

import click

from asm.cli import views
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json


@cli.command()
@common
@click.argument("session_id", metavar="ID")
@click.option("--last", type=click.IntRange(min=0), default=None,
              help="Only the latest N events of the timeline (all by default).")
def show(settings: Settings, session_id: str, last: int | None) -> None:
    """A session, its runs and its event timeline."""
    with settings.store() as store:
        session = store.get_session(session_id)
        runs = store.list_runs(session_id)
        events = store.get_events(session_id, last=last)
        artifacts = store.artifacts.list_by_session(session_id)
    if settings.json:
        return print_json({"session": session, "runs": runs, "events": events, "artifacts": artifacts})
    out = console()
    views.show(out, views.session_view(session, runs, events))
    if artifacts:
        views.show(out, "", views.artifacts_table(artifacts))
