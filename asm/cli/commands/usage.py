"""`asm usage`: token usage, in total and by provider."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from asm.cli import views
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json


@cli.command()
@common
@click.option("--session", "session_id", metavar="ID", help="Only this session's runs.")
@click.option("--agent", help="Only runs of this agent's sessions.")
@click.option("--provider", help="Only this provider's runs.")
@click.option("--since", type=click.DateTime(), help="Only runs started at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Only runs started at or before (UTC).")
def usage(settings: Settings, session_id: str | None, agent: str | None, provider: str | None,
          since: datetime | None, until: datetime | None) -> None:
    """Token usage, in total and by provider."""
    with settings.store() as store:
        if session_id is not None:
            store.get_session(session_id)
        summary = store.query.get_usage_summary(session_id=session_id, agent_id=agent, provider=provider,
                                                since=_utc(since), until=_utc(until))
    if settings.json:
        return print_json(summary)
    console().print(views.usage_table(summary, "Usage by provider"))


def _utc(value: datetime | None) -> datetime | None:
    """click.DateTime gives naive datetimes: they are read as UTC."""
    return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value
