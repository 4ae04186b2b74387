"""`asm sessions`: search sessions, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

import click

from asm.cli import views
from asm.cli.app import PAGE_LIMIT, Settings, cli, common
from asm.cli.output import console, print_json
from asm.cli.params import TIMESTAMP
from asm.cli.tabular import Format, delimited, print_delimited
from asm.enums import SessionStatus

SessionOrder = Literal["updated_at_desc", "created_at_desc", "created_at_asc"]
CSV_COLUMNS = ("id", "agent_id", "status", "parent_session_id", "tags", "created_at", "updated_at", "deleted_at",
               "metadata", "context")


@cli.command()
@common
@delimited
@click.option("--agent", help="Only this agent's sessions.")
@click.option("--status", multiple=True, type=click.Choice([s.value for s in SessionStatus]),
              help="Only sessions in this status (repeatable).")
@click.option("--provider", help="Only sessions with a run by this provider.")
@click.option("--tag", "tags", multiple=True, help="Only sessions having this tag (repeatable: all must match).")
@click.option("--deleted", "include_deleted", is_flag=True, help="Include soft-deleted sessions.")
@click.option("--since", type=TIMESTAMP,
              help="Only sessions created at or after TIME (ISO 8601; no offset is UTC; a date is its midnight UTC).")
@click.option("--until", type=TIMESTAMP, help="Only sessions created at or before TIME (as --since).")
@click.option("--order", type=click.Choice(get_args(SessionOrder)),
              default="updated_at_desc", show_default=True, help="Row order: newest update or creation first, "
              "or oldest creation first.")
@click.option("--limit", type=PAGE_LIMIT, default=20, show_default=True,
              help="At most N sessions per page.")
@click.option("--cursor", help="The cursor printed under the previous page.")
@click.option("--total", "with_total", is_flag=True,
              help="Also count every matching session (reads them all: slow on large databases).")
def sessions(settings: Settings, agent: str | None, status: tuple[str, ...], provider: str | None,
             tags: tuple[str, ...], include_deleted: bool, since: datetime | None, until: datetime | None,
             order: SessionOrder, limit: int, cursor: str | None,
             with_total: bool, text_format: Format) -> None:
    """List and search sessions, newest first."""
    with settings.store() as store:
        page = store.query.search_sessions(
            agent_id=agent, status=list(status) or None, provider=provider, tags=list(tags) or None,
            created_after=since, created_before=until, include_deleted=include_deleted, order_by=order,
            limit=limit, cursor=cursor, with_total=with_total,
        )
    if settings.json:
        return print_json(page)
    if text_format is not None:
        return print_delimited(text_format, CSV_COLUMNS, (
            (s.id, s.agent_id, s.status, s.parent_session_id, ",".join(s.tags), s.created_at, s.updated_at,
             s.deleted_at, s.metadata, s.context) for s in page.sessions))
    out = console()
    out.print(views.sessions_table(page.sessions, views.sessions_title(len(page.sessions), page.total_count)))
    if page.has_more:
        out.print(f"next page: --cursor {page.cursor}", markup=False, soft_wrap=True)  # never folded
