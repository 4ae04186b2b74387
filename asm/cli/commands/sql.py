"""`asm sql`: print a named SQL query of a dialect, or list them."""

from __future__ import annotations

import attrs
import click

from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, echo_flushed, print_json


@cli.command(short_help="Print a named SQL query, or list them.")
@common
@click.argument("name", required=False)
@click.option("--dialect", type=click.Choice(["postgres", "sqlite", "mysql"]),
              help="Another dialect's SQL than the database's.")
def sql(settings: Settings, name: str | None, dialect: str | None) -> None:
    """Print a named SQL query of this database's dialect, or list them."""
    from asm.cli.sqlfiles import find_query, named_queries

    dialect = dialect or settings.url.dialect
    if name is not None:
        query = find_query(dialect, name)
        if settings.json:
            return print_json({"dialect": dialect, **attrs.asdict(query)})
        if not query.functions:
            return echo_flushed(query.text)
        return echo_flushed("\n\n".join((query.text, "-- The function it calls, as its migration defines it:",
                                          *query.functions)))
    queries = named_queries(dialect)
    if settings.json:
        return print_json({"dialect": dialect, "queries": [
            {"name": q.name, "file": q.file, "comment": q.comment} for q in queries]})
    console().print(output.table(f"Named queries ({dialect})", ("name", "file", "what it does"),
                                 ((q.name, q.file, q.comment) for q in queries), no_wrap=("name",)))
