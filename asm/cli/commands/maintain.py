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
from asm.cli.app import EXIT_INTERRUPTED, POSITIVE_COUNT, Settings, cli, common
from asm.cli.output import console, print_error, print_json

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
        # A number is checked as every count is (POSITIVE_COUNT: 1 to 2**63 - 1, digits only).
        return POSITIVE_COUNT.convert(value, param, ctx)


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
        kind = PositiveOrNone() if annotation == "int | None" else POSITIVE_COUNT
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
    done: dict[str, int] = {}
    try:
        with settings.store() as store, _progress(working) as tell:
            def on_batch(step: str, total: int) -> None:
                done[step] = total
                tell(step, done)

            report = store.maintenance.execute(policy, dry_run=dry_run, on_batch=on_batch)
    except KeyboardInterrupt:
        # Each batch is its own transaction: what they did stays done; say how much.
        print_error(interrupted(done, dry_run))
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    if settings.json:
        print_json({"policy": policy, "report": report})
    else:
        console().print(views.report_table(report))
    if report.errors:
        raise asm.StorageError(f"maintenance finished with {len(report.errors)} failed step(s): "
                               + "; ".join(report.errors))


# What each step's count is, for people.
STEP_COUNTS = {
    "soft delete": "sessions soft-deleted", "hard delete": "sessions hard-deleted", "prune": "events deleted",
    "orphaned artifacts": "artifact rows cleaned", "orphaned counters": "counters cleaned",
}


def step_counts(done: dict[str, int]) -> str:
    """"60,000 events deleted, 3 sessions soft-deleted": the steps that changed something."""
    return ", ".join(f"{count:,} {STEP_COUNTS[step]}" for step, count in done.items()
                     if count and step in STEP_COUNTS)


def interrupted(done: dict[str, int], dry_run: bool) -> str:
    if dry_run:
        return "interrupted: a dry run changes nothing"
    counts = step_counts(done)
    return (f"interrupted: {counts} already, in committed batches" if counts
            else "interrupted before any batch changed something")


@contextmanager
def _progress(description: str) -> Iterator[Callable[[str, dict[str, int]], None]]:
    """A pulsing bar on stderr while long work runs (terminals only): the step under way, the
    counts so far and the elapsed time. Yields the function that tells it a step's progress."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                        TimeElapsedColumn(), console=console(stderr=True), transient=True,
                        disable=not sys.stderr.isatty())
    with progress:
        task = progress.add_task(description, total=None)

        def tell(step: str, done: dict[str, int]) -> None:
            counts = step_counts(done)
            progress.update(task, description=f"{description}: {step}" + (f" ({counts})" if counts else ""))

        yield tell
