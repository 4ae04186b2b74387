"""`asm sessions`: search sessions, a page at a time."""

from __future__ import annotations

from typing import Literal, get_args

import click

from asm.cli import views
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json
from asm.enums import SessionStatus

SessionOrder = Literal["updated_at_desc", "created_at_desc", "created_at_asc"]


@cli.command()
@common
@click.option("--agent", help="Only this agent's sessions.")
@click.option("--status", multiple=True, type=click.Choice([s.value for s in SessionStatus]),
              help="Only sessions in this status (repeatable).")
@click.option("--provider", help="Only sessions with a run by this provider.")
@click.option("--tag", "tags", multiple=True, help="Only sessions having this tag (repeatable: all must match).")
@click.option("--deleted", "include_deleted", is_flag=True, help="Include soft-deleted sessions.")
@click.option("--order", type=click.Choice(get_args(SessionOrder)),
              default="updated_at_desc", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--cursor", help="The cursor printed under the previous page.")
@click.option("--total", "with_total", is_flag=True,
              help="Also count every matching session (reads them all: slow on large databases).")
def sessions(settings: Settings, agent: str | None, status: tuple[str, ...], provider: str | None,
             tags: tuple[str, ...], include_deleted: bool, order: SessionOrder, limit: int, cursor: str | None,
             with_total: bool) -> None:
    """List and search sessions, newest first."""
    with settings.store() as store:
        page = store.query.search_sessions(
            agent_id=agent, status=list(status) or None, provider=provider, tags=list(tags) or None,
            include_deleted=include_deleted, order_by=order, limit=limit, cursor=cursor, with_total=with_total,
        )
    if settings.json:
        return print_json(page)
    out = console()
    out.print(views.sessions_table(page.sessions, views.sessions_title(len(page.sessions), page.total_count)))
    if page.has_more:
        out.print(f"next page: --cursor {page.cursor}", markup=False)
