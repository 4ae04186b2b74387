"""`asm usage`: token usage, in total and by provider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click
from rich.console import Group
from rich.table import Table
from rich.text import Text

import asm
from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json
from asm.cli.params import TIMESTAMP
from asm.cli.tabular import Format, delimited, print_delimited
from asm.query.records import ProviderUsage, UsageSummary

# How a table names the runs that have no provider (JSON says null, CSV leaves the field empty).
NO_PROVIDER = "(none)"
# What the API's summary calls them: a real provider may have this name too.
API_NO_PROVIDER = "unknown"

ProviderRow = tuple[str | None, ProviderUsage]


@cli.command(short_help="Token usage, in total and by provider.")
@common
@delimited
@click.option("--session", "session_id", metavar="ID", help="Only this session's runs.")
@click.option("--agent", help="Only runs of this agent's sessions.")
@click.option("--provider", help="Only this provider's runs.")
@click.option("--since", type=TIMESTAMP,
              help="Only runs started at or after TIME (ISO 8601; no offset is UTC; a date is its midnight UTC).")
@click.option("--until", type=TIMESTAMP, help="Only runs started at or before TIME (as --since).")
def usage(settings: Settings, session_id: str | None, agent: str | None, provider: str | None,
          since: datetime | None, until: datetime | None, text_format: Format) -> None:
    """Token usage, in total and by provider (runs without a provider: "(none)", JSON null)."""
    filters: dict[str, Any] = {"session_id": session_id, "agent_id": agent, "since": since, "until": until}
    with settings.store() as store:
        if session_id is not None:
            store.get_session(session_id)
        summary = store.query.get_usage_summary(provider=provider, **filters)
        rows = provider_rows(store, summary, provider, filters)
    if settings.json:
        return print_json(usage_document(summary, rows))
    if text_format is not None:
        return print_delimited(text_format, ("provider", "runs", "input_tokens", "output_tokens", "total_tokens"),
                               ((name, u.run_count, u.input_tokens, u.output_tokens, u.total_tokens)
                                for name, u in rows))
    console().print(usage_table(summary, rows, "Usage by provider"))


def provider_rows(store: asm.SessionStore, summary: UsageSummary, provider: str | None,
                  filters: dict[str, Any]) -> list[ProviderRow]:
    """The summary's providers by name, runs without one (None) last. The API counts those
    under "unknown" together with a provider really named so: asking for that provider alone
    tells them apart."""
    usages = dict(summary.by_provider)
    rows: list[ProviderRow] = []
    merged = usages.pop(API_NO_PROVIDER, None)
    if merged is not None:
        if provider is not None:  # a filter on a provider matches no run without one
            usages[API_NO_PROVIDER] = merged
        else:
            named = store.query.get_usage_summary(provider=API_NO_PROVIDER, **filters).by_provider.get(API_NO_PROVIDER)
            if named is not None:
                usages[API_NO_PROVIDER] = named
            rows.append((None, merged if named is None else _minus(merged, named)))
    named_rows: list[ProviderRow] = sorted(usages.items())
    return named_rows + [row for row in rows if row[1].run_count]


def _minus(a: ProviderUsage, b: ProviderUsage) -> ProviderUsage:
    return ProviderUsage(input_tokens=a.input_tokens - b.input_tokens, output_tokens=a.output_tokens - b.output_tokens,
                         total_tokens=a.total_tokens - b.total_tokens, run_count=a.run_count - b.run_count)


def usage_document(summary: UsageSummary, rows: Sequence[ProviderRow]) -> dict[str, Any]:
    """`usage --json`: the totals, then one object per provider in the table's order."""
    return {
        "total_input_tokens": summary.total_input_tokens, "total_output_tokens": summary.total_output_tokens,
        "total_tokens": summary.total_tokens, "run_count": summary.run_count,
        "by_provider": [{"provider": name, "run_count": u.run_count, "input_tokens": u.input_tokens,
                         "output_tokens": u.output_tokens, "total_tokens": u.total_tokens} for name, u in rows],
    }


def usage_table(summary: UsageSummary, rows: Sequence[ProviderRow], title: str) -> Table | Group:
    numeric = ("runs", "input tokens", "output tokens", "total tokens")
    out = output.bare_table(("provider", *numeric),
                            [(NO_PROVIDER if name is None else name, u.run_count, u.input_tokens, u.output_tokens,
                              u.total_tokens) for name, u in rows], numeric=numeric)
    out.show_footer = True
    totals = ("total", summary.run_count, summary.total_input_tokens, summary.total_output_tokens, summary.total_tokens)
    for column, total in zip(out.columns, totals, strict=True):
        column.footer = Text(str(total))
    return output.titled(title, out)
