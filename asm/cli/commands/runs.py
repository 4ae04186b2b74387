"""`asm runs`: runs, of one session or of all, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

import click
from rich.console import RenderableType

from asm.cli import output
from asm.cli.app import PAGE_LIMIT, Settings, cli, common
from asm.cli.output import console, print_json, when
from asm.cli.params import TIMESTAMP
from asm.cli.tabular import Format, delimited, print_delimited
from asm.enums import RunStatus
from asm.records import Run

RunOrder = Literal["started_at_asc", "started_at_desc", "token_usage_desc"]
CSV_COLUMNS = ("id", "session_id", "status", "provider", "turn_count", "input_tokens", "output_tokens",
               "total_tokens", "started_at", "ended_at")


@cli.command()
@common
@delimited
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--status", multiple=True, type=click.Choice([s.value for s in RunStatus]),
              help="Only runs in this status (repeatable).")
@click.option("--provider", help="Only this provider's runs.")
@click.option("--since", type=TIMESTAMP, help="Only runs started at or after TIME (ISO 8601; a date is midnight UTC).")
@click.option("--until", type=TIMESTAMP, help="Only runs started at or before TIME (as --since).")
@click.option("--order", type=click.Choice(get_args(RunOrder)), default=None,
              help="Row order [default: started_at_asc for a session's runs, else started_at_desc].")
@click.option("--limit", type=PAGE_LIMIT, default=50, show_default=True, help="At most N runs per page.")
@click.option("--cursor", help="The cursor printed under the previous page (same filters).")
def runs(settings: Settings, session_id: str | None, status: tuple[str, ...], provider: str | None,
         since: datetime | None, until: datetime | None, order: RunOrder | None, limit: int, cursor: str | None,
         text_format: Format) -> None:
    """A session's runs (ID), or every session's, a page at a time."""
    order = order or ("started_at_asc" if session_id is not None else "started_at_desc")
    with settings.store() as store:
        if session_id is not None:
            store.get_session(session_id)
        page = store.query.search_runs(session_id=session_id, status=list(status) or None, provider=provider,
                                       started_after=since, started_before=until, order_by=order, limit=limit,
                                       cursor=cursor)
    if settings.json:
        return print_json(page)
    if text_format is not None:
        return print_delimited(text_format, CSV_COLUMNS, (_csv_row(r) for r in page.runs))
    title = f"Runs of {session_id} ({len(page.runs)})" if session_id else f"Runs ({len(page.runs)})"
    out = console()
    out.print(runs_table(page.runs, title, with_session=session_id is None))
    if page.has_more:
        out.print(f"next page: --cursor {page.cursor}", markup=False, soft_wrap=True)


def runs_table(found: list[Run], title: str, *, with_session: bool) -> RenderableType:
    # The session last: a narrow terminal leaves it out before the run's own columns.
    columns = ("run", "status", "provider", "turns", "tokens", "started (UTC)", "took",
               *(("session",) if with_session else ()))
    rows = [(r.id, r.status, r.provider, r.turn_count, r.token_usage.get("total_tokens", ""),
             when(r.started_at, millis=False), output.duration(r.started_at, r.ended_at),
             *((r.session_id,) if with_session else ())) for r in found]
    return output.table(title, columns, rows, numeric=("turns", "tokens", "took"), no_wrap=("started (UTC)",))


def _csv_row(run: Run) -> tuple[object, ...]:
    usage = run.token_usage
    return (run.id, run.session_id, run.status, run.provider, run.turn_count, usage.get("input_tokens"),
            usage.get("output_tokens"), usage.get("total_tokens"), run.started_at, run.ended_at)
