"""`asm search`: events across sessions, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

import click
from rich.console import RenderableType

from asm.cli import output
from asm.cli.app import PAGE_LIMIT, Settings, cli, common
from asm.cli.output import console, print_json, when
from asm.cli.params import TIMESTAMP, event_type_choice, event_types_help
from asm.cli.tabular import Format, delimited, print_delimited
from asm.records import Event

EventOrder = Literal["sequence_asc", "timestamp_asc", "timestamp_desc"]
CSV_COLUMNS = ("id", "session_id", "sequence_number", "timestamp", "type", "run_id", "provider", "correlation_id",
               "data", "metadata")


@cli.command(short_help="Search events across sessions.")
@common
@delimited
@click.option("--session", "session_ids", metavar="ID", multiple=True, help="Only this session's events (repeatable).")
@click.option("--run", "run_ids", metavar="ID", multiple=True, help="Only this run's events (repeatable).")
@click.option("--type", "types", metavar="TYPE", multiple=True, type=event_type_choice(),
              help=event_types_help("Only events of this type"))
@click.option("--provider", "providers", multiple=True, help="Only events of this provider (repeatable).")
@click.option("--correlation", "correlation_id", metavar="ID", help="Only events with this correlation id.")
@click.option("--since", type=TIMESTAMP, help="Only events at or after TIME (ISO 8601; a date is midnight UTC).")
@click.option("--until", type=TIMESTAMP, help="Only events at or before TIME (as --since).")
@click.option("--order", type=click.Choice(get_args(EventOrder)), default="sequence_asc", show_default=True,
              help="sequence_asc goes session by session (in id order), each in sequence order.")
@click.option("--limit", type=PAGE_LIMIT, default=100, show_default=True, help="At most N events per page.")
@click.option("--cursor", help="The cursor printed under the previous page (same filters).")
@click.option("--count", "count_only", is_flag=True, help="Only count the matching events (over every page).")
def search(settings: Settings, session_ids: tuple[str, ...], run_ids: tuple[str, ...], types: tuple[str, ...],
           providers: tuple[str, ...], correlation_id: str | None, since: datetime | None, until: datetime | None,
           order: EventOrder, limit: int, cursor: str | None, count_only: bool, text_format: Format) -> None:
    """Search events across sessions: by session, run, type, provider, correlation id and time."""
    filters: dict[str, Any] = {"session_ids": list(session_ids) or None, "run_ids": list(run_ids) or None,
               "types": list(types) or None, "providers": list(providers) or None, "since": since, "until": until,
               "correlation_id": correlation_id}
    with settings.store() as store:
        if count_only:
            count = store.query.count_events(**filters)
            return print_json({"count": count}) if settings.json else click.echo(str(count))
        page = store.query.search_events(**filters, order_by=order, limit=limit, cursor=cursor)
    if settings.json:
        return print_json(page)
    if text_format is not None:
        return print_delimited(text_format, CSV_COLUMNS, (
            (e.id, e.session_id, e.sequence_number, e.timestamp, e.type, e.run_id, e.provider, e.correlation_id,
             e.data, e.metadata) for e in page.events))
    out = console()
    out.print(events_table(page.events, f"Events ({len(page.events)})"))
    if page.has_more:
        out.print(f"next page: --cursor {page.cursor}", markup=False, soft_wrap=True)


def events_table(found: list[Event], title: str) -> RenderableType:
    day = output.one_day([e.timestamp for e in found])
    if day is not None:
        title = f"{title[:-1]}, {day})" if title.endswith(")") else f"{title} ({day})"
    return output.table(title, ("session", "#", "time (UTC)", "type", "run", "detail"),
                        ((e.session_id, e.sequence_number, when(e.timestamp, date=day is None), e.type, e.run_id,
                          output.describe(e)) for e in found),
                        numeric=("#",), no_wrap=("time (UTC)", "type"))
