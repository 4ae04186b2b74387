"""`asm migrate`: apply, list or roll back the migrations, or break a stale migration lock.

Rolling back a migration whose rollback drops data (a table, a column) asks first on a
terminal and needs `--yes` anywhere else; `--dry-run` shows what would run, SQL included."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from asm.cli import output
from asm.cli.app import POSITIVE_COUNT, Settings, cli, common
from asm.cli.database import require_database
from asm.cli.output import console, print_json
from asm.drivers.urls import DatabaseURL

if TYPE_CHECKING:
    from asm.migrations import MigrationReport


@cli.command()
@common
@click.option("--status", "show_status", is_flag=True, help="List the migrations and whether each is applied.")
@click.option("--rollback", "roll_back", is_flag=True, help="Undo the newest applied migration(s).")
@click.option("--steps", type=POSITIVE_COUNT, default=None, help="With --rollback: how many to undo.")
@click.option("--yes", "-y", "confirmed", is_flag=True,
              help="With --rollback: roll back without asking, even a migration whose rollback drops data.")
@click.option("--dry-run", "--sql", "dry_run", is_flag=True,
              help="Show the migrations that would be applied or rolled back, and their SQL; change nothing.")
@click.option("--break-lock", "break_lock", is_flag=True,
              help="Remove the migration lock a killed `asm migrate` left behind, then stop.")
def migrate(settings: Settings, show_status: bool, roll_back: bool, steps: int | None, confirmed: bool,
            dry_run: bool, break_lock: bool) -> None:
    """Apply pending migrations (or list them, roll back, or break a stale lock).

    Every output names the schema it works in: PostgreSQL's current_schema() (choose one with
    ?options=-csearch_path%3DNAME in the URL), the MySQL database, the SQLite file.

    A rollback that drops tables or columns (and the rows in them) asks for confirmation on a
    terminal; elsewhere it needs --yes. --dry-run (or --sql) prints what would run.
    """
    chosen = [flag for flag, on in (("--status", show_status), ("--rollback", roll_back),
                                    ("--break-lock", break_lock)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be combined")
    if steps is not None and not roll_back:
        raise click.UsageError("--steps needs --rollback")
    if confirmed and not roll_back:
        raise click.UsageError("--yes needs --rollback")
    if dry_run and (show_status or break_lock):
        raise click.UsageError(f"--dry-run cannot be combined with {chosen[0]}")
    from asm import migrations  # the reports behind asm.migrate & co: where, what, who locks

    url = settings.url
    # Only applying creates a SQLite file (--status and a dry run show a missing one with every
    # migration pending, creating nothing); rolling back and breaking a lock need one.
    require_database(url, create=not (roll_back or break_lock))
    if break_lock:
        lock = migrations.remove_migration_lock(url)
        if settings.json:
            return print_json({"database": str(url), "lock_removed": lock})
        return click.echo(f"removed the migration lock of process {lock.pid} (since {lock.since} UTC) on {url}"
                          if lock else f"no migration lock on {url}")
    if show_status:
        report = migrations.migrations_report(url) if not _missing_sqlite(url) else migrations.MigrationReport(
            schema=str(Path(url.database or "").resolve()),
            migrations=[migrations.MigrationStatus(id, False) for id in migrations.shipped_migration_ids("sqlite")])
        if settings.json:
            return print_json({"database": str(url), "schema": report.schema, "other_schemas": report.other_schemas,
                               "lock": report.lock, "migrations": report.migrations})
        console().print(output.table(f"Migrations on {url}, {_where(url, report)}", ("migration", "applied"),
                                     ((m.id, "yes" if m.applied else "no") for m in report.migrations)))
        if report.lock:
            click.echo(f"locked by process {report.lock.pid} since {report.lock.since} UTC "
                       f"(if it is no longer running: {migrations.break_lock_command(url)})")
        return _note_other_schemas(report)
    if roll_back:
        return _roll_back(settings, url, steps or 1, confirmed=confirmed, dry_run=dry_run)
    if dry_run:
        return _show_plan(settings, url, "apply", _pending(url))
    with _progress_bar() as progress:
        report = migrations.apply_migrations(url, progress)
    if settings.json:
        return print_json({"database": str(url), "schema": report.schema, "other_schemas": report.other_schemas,
                           "applied": report.ids})
    click.echo(f"applied {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
               else f"{url} is up to date, {_where(url, report)}")
    _note_other_schemas(report)


def _roll_back(settings: Settings, url: DatabaseURL, steps: int, *, confirmed: bool, dry_run: bool) -> None:
    from asm import migrations

    plan = _newest_applied(url, steps)
    if dry_run:
        return _show_plan(settings, url, "roll back", plan)
    losing = [id for id, statements in plan if any(migrations.drops_data(s) for s in statements)]
    if losing and not confirmed:
        what = f"rolling back {', '.join(losing)} on {url} drops tables or columns, and the data in them"
        if not (sys.stdin.isatty() and sys.stderr.isatty()) or settings.json:
            raise click.UsageError(f"{what}: pass --yes to confirm (--dry-run shows the SQL)")
        if not click.confirm(f"{what}. Roll back?", default=False, err=True):
            raise click.ClickException("nothing rolled back")
    report = migrations.rollback_migrations(url, steps=steps)
    if settings.json:
        return print_json({"database": str(url), "schema": report.schema, "rolled_back": report.ids})
    click.echo(f"rolled back {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
               else f"nothing to roll back on {url}, {_where(url, report)}")


def _newest_applied(url: DatabaseURL, steps: int) -> list[tuple[str, list[str]]]:
    """(id, rollback statements) of the migrations `--rollback --steps N` undoes, newest first
    (yoyo undoes the applied ones from the newest)."""
    from asm import migrations

    applied = [m.id for m in reversed(migrations.migrations_report(url).migrations) if m.applied]
    return [(id, migrations.rollback_statements(url.dialect, id)) for id in applied[:steps]]


def _pending(url: DatabaseURL) -> list[tuple[str, list[str]]]:
    """(id, statements) of the migrations `migrate` would apply, oldest first. A SQLite file
    that is not there yet would get all of them (and is not created to find out)."""
    from asm import migrations

    if _missing_sqlite(url):
        ids = migrations.shipped_migration_ids("sqlite")
    else:
        ids = [m.id for m in migrations.migrations_report(url).migrations if not m.applied]
    return [(id, migrations.migration_statements(url.dialect, only=id)) for id in ids]


def _missing_sqlite(url: DatabaseURL) -> bool:
    """A SQLite file that is not there yet (asking yoyo about it would create it)."""
    return url.dialect == "sqlite" and not url.is_memory and not Path(url.database or "").exists()


def _show_plan(settings: Settings, url: DatabaseURL, verb: str, plan: list[tuple[str, list[str]]]) -> None:
    """What a run would do, changing nothing: each migration and its SQL."""
    from asm import migrations

    if settings.json:
        key = "would_apply" if verb == "apply" else "would_roll_back"
        steps: list[dict[str, Any]] = [{"id": id, "statements": statements} for id, statements in plan]
        if verb != "apply":
            for step, (_id, statements) in zip(steps, plan, strict=True):
                step["drops_data"] = any(migrations.drops_data(s) for s in statements)
        return print_json({"database": str(url), "dry_run": True, key: steps})
    if not plan:
        return click.echo(f"nothing to {verb} on {url}")
    click.echo(f"would {verb} {', '.join(id for id, _ in plan)} on {url} (dry run: nothing changed)")
    for id, statements in plan:
        drops = verb != "apply" and any(migrations.drops_data(s) for s in statements)
        click.echo(f"\n-- {id}{' (drops data)' if drops else ''}")
        for statement in statements:
            click.echo(statement)


@contextmanager
def _progress_bar() -> Iterator[Any]:
    """A progress callback for apply_migrations: a bar on stderr when it is a terminal and
    more than one migration runs; otherwise nothing is drawn (pipes and --json stay clean)."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(TextColumn("migrating {task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = None

        def advance(done: int, total: int, id: str) -> None:
            nonlocal task
            if total < 2:
                return
            if task is None:
                task = bar.add_task(id, total=total)
            bar.update(task, completed=done, description=id)

        yield advance


def _where(url: DatabaseURL, report: MigrationReport) -> str:
    """Where `asm migrate` worked, in the dialect's words."""
    return f"{ {'postgres': 'schema', 'mysql': 'database', 'sqlite': 'file'}[url.dialect]} {report.schema}"


def _note_other_schemas(report: MigrationReport) -> None:
    # A search_path that starts at an empty schema migrates a second copy there: say so.
    if report.other_schemas:
        click.echo(f"note: schema {', '.join(report.other_schemas)} of this database also has asm tables, "
                   f"which this URL does not see (it works in schema {report.schema})")
