"""`asm explain`: the command; reading the plans into verdicts is `asm.cli.explain`."""

from __future__ import annotations

from typing import Any

import click

from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.database import raw_connection
from asm.cli.output import console, print_json


@cli.command()
@common
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A parameter's value (JSON, a timestamp, or text; a list as JSON or comma-separated); repeatable.")
@click.option("--analyze", is_flag=True, help="Run it (EXPLAIN ANALYZE; writes in a transaction rolled back).")
@click.option("--generic", is_flag=True, help="PostgreSQL's generic plan (what a prepared statement may switch to).")
@click.option("--all", "every_query", is_flag=True, help="A verdict table of every named query and case.")
def explain(settings: Settings, name: str | None, params: tuple[str, ...], analyze: bool, generic: bool,
            every_query: bool) -> None:
    """EXPLAIN asm's queries on this database: the hot reads, one NAME's cases, or --all.

    Parameters default to values found in the database: the busiest recent session, the
    rarest types, statuses and providers, a cursor in the middle of that session.
    """
    from asm.cli.explain import explain as plan_queries
    from asm.cli.explain import explain_all

    url = settings.url
    if generic and url.dialect != "postgres":
        raise click.UsageError("--generic is PostgreSQL's (other dialects plan every statement with its values)")
    if every_query and (name or params):
        raise click.UsageError("--all takes no NAME or --param")
    if params and not name:
        raise click.UsageError("--param needs a query NAME")
    given = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param takes K=V, not {item!r}")
        given[key] = value
    with settings.store():  # the schema check: a database that is not migrated is a SchemaError
        pass
    conn = raw_connection(url)
    try:
        if every_query:
            found = explain_all(url, conn, analyze=analyze, generic=generic)
        else:
            found = plan_queries(url, conn, [name] if name else None, given=given, analyze=analyze, generic=generic,
                                 every_case=bool(name))
    finally:
        conn.close()
    if settings.json:
        return print_json({"database": str(url), "dialect": url.dialect, "analyzed": analyze, "generic": generic,
                           "plans": found})
    out = console()
    if every_query:
        return _explain_table(out, found, analyze)
    for plan in found:
        out.print(plan.query + (f" ({plan.case})" if name else ""), style="bold", markup=False)
        out.print(f"  verdict: {plan.verdict}" + (f"  PROBLEM: {plan.problem}" if plan.problem else ""),
                  markup=False, highlight=False, soft_wrap=True)
        if plan.rows_returned is not None:
            read = "not counted" if plan.rows_read is None else f"{plan.rows_read:,.0f}"
            out.print(f"  rows read: {read}, returned: {plan.rows_returned:,}, {plan.ms:,.2f} ms",
                      markup=False, highlight=False)
        shown = ", ".join(f"{k}={output.compact(v) if isinstance(v, (list, dict)) else v}"
                          for k, v in plan.parameters.items())
        out.print(f"  parameters: {shown or '(none)'}", markup=False, highlight=False, soft_wrap=True)
        for line in plan.plan:
            out.print("  " + line, markup=False, highlight=False, soft_wrap=True)
        out.print()


def _explain_table(out: Any, found: list[Any], analyze: bool) -> None:
    read = "rows read" if analyze else "rows (est.)"
    rows = [(p.query, p.case, p.klass, p.verdict, "" if p.rows_read is None else f"{p.rows_read:,.0f}",
             "" if p.rows_returned is None else f"{p.rows_returned:,}", p.problem or ("analytics" if p.klass != "keyed"
                                                                                      else "ok"))
            for p in found]
    out.print(output.table(f"Plans of {len({p.query for p in found})} named queries",
                           ("query", "case", "class", "verdict", read, "rows returned", "problem"), rows,
                           numeric=(read, "rows returned"), no_wrap=("query",)))
    problems = [p for p in found if p.problem]
    out.print(f"{len(problems)} keyed case(s) read or sort a growing share of a table"
              + (": " + ", ".join(sorted({p.query for p in problems})) if problems else ""), markup=False)
