"""`asm maintain`: run a retention policy, one flag per int field of `RetentionPolicy`, with a
progress bar on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs
import click
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

import asm
from asm.cli import views
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json

if TYPE_CHECKING:
    # Generic only in newer clicks: subscripted where it cannot fail at run time.
    _PositiveOrNoneType = click.ParamType[int | str | None]
else:
    _PositiveOrNoneType = click.ParamType


class PositiveOrNone(_PositiveOrNoneType):
    """A positive int, or `none` for "no limit"."""

    name = "N|none"

    def get_metavar(self, *args: Any, **kwargs: Any) -> str:
        return "N|none"

    def convert(self, value: Any, param: Any, ctx: Any) -> int | str | None:
        if value is None or isinstance(value, int) and not isinstance(value, bool):
            return value
        if str(value).strip().lower() == "none":
            return NO_LIMIT
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not a positive integer or 'none'", param, ctx)
        return number


NO_LIMIT = "none"
POLICY_HELP = {
    "max_session_age_days": "Soft-delete non-exempt sessions created longer ago.",
    "max_completed_session_age_days": "Soft-delete finished sessions not updated for this long.",
    "hard_delete_after_days": "Hard-delete sessions soft-deleted longer ago.",
    "max_events_per_session": "Prune each session's oldest prunable events beyond this count.",
    "max_total_events": "Then prune the oldest prunable events beyond this count overall.",
    "batch_size": "Rows per delete statement / transaction.",
}


def policy_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One flag per int field of RetentionPolicy (`--max-events-per-session N|none`)."""
    for field in reversed(attrs.fields(asm.RetentionPolicy)):
        # A string: the annotations of asm/maintenance/policy.py are postponed (PEP 563).
        annotation = str(field.type)
        if annotation not in ("int | None", "int"):
            continue
        default = "no limit" if field.default is None else field.default
        kind = PositiveOrNone() if annotation == "int | None" else click.IntRange(min=1)
        command = click.option(
            "--" + field.name.replace("_", "-"), field.name, type=kind, default=None,
            metavar=None if annotation == "int | None" else "N",
            help=f"{POLICY_HELP.get(field.name, '')} [default: {default}]",
        )(command)
    return command


@cli.command()
@common
@policy_options
@click.option("--dry-run", is_flag=True, help="Count what would happen; change nothing.")
def maintain(settings: Settings, dry_run: bool, **limits: Any) -> None:
    """Apply a retention policy: delete old sessions, prune events.

    Soft-deletes expired sessions, hard-deletes long soft-deleted ones, prunes events beyond
    the limits, and cleans orphaned artifact rows and counters. Flags left out keep the
    RetentionPolicy defaults; `none` lifts a limit.
    """
    given: dict[str, Any] = {name: None if value == NO_LIMIT else value
                             for name, value in limits.items() if value is not None}
    policy = asm.RetentionPolicy(**given)
    working = f"maintaining {settings.url}" + (" (dry run)" if dry_run else "")
    with settings.store() as store, _progress(working):
        report = store.maintenance.execute(policy, dry_run=dry_run)
    if settings.json:
        print_json({"policy": policy, "report": report})
    else:
        console().print(views.report_table(report))
    if report.errors:
        raise asm.StorageError(f"maintenance finished with {len(report.errors)} failed step(s): "
                               + "; ".join(report.errors))


@contextmanager
def _progress(description: str) -> Iterator[None]:
    """A pulsing bar with the elapsed time on stderr while long work runs (terminals only)."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                        TimeElapsedColumn(), console=console(stderr=True), transient=True,
                        disable=not sys.stderr.isatty())
    with progress:
        progress.add_task(description, total=None)
        yield
