"""`--csv` and `--tsv`: the rows of a list-like command as delimited text, for spreadsheets and
shell pipelines (as sqlite-utils and datasette offer). Values are machine values: timestamps as
`--json` writes them, JSON payloads whole, nothing truncated."""

from __future__ import annotations

import csv
import enum
import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import click

from asm.convert import format_timestamp
from asm.cli.app import Settings
from asm.cli.output import jsonable

__all__ = ["Format", "delimited", "print_delimited"]

# The option's value: "csv", "tsv", or None for a table (or --json).
Format = str | None


def delimited(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds `--csv` and `--tsv`, passed to the command as `text_format` (under `common`: the
    command's first argument is its Settings)."""
    @functools.wraps(command)
    def run(settings: Settings, *args: Any, text_format: Format, **kwargs: Any) -> Any:
        if text_format is not None and settings.json:
            raise click.UsageError(f"--{text_format} and --json are exclusive: pick one output")
        return command(settings, *args, text_format=text_format, **kwargs)

    run = click.option("--tsv", "text_format", flag_value="tsv", default=None,
                       help="Rows as tab-separated values, with a header line.")(run)
    return click.option("--csv", "text_format", flag_value="csv", default=None,
                        help="Rows as comma-separated values (RFC 4180), with a header line.")(run)


def print_delimited(text_format: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, dialect="excel-tab" if text_format == "tsv" else "excel", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([value_text(value) for value in row] for row in rows)
    sys.stdout.flush()


def value_text(value: Any) -> str:
    """One field: empty for none, a timestamp as `--json` prints it, JSON for structured data."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (dict, list)):
        return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)
