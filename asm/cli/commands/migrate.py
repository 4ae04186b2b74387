"""`asm migrate`: apply, list or roll back the migrations, or break a stale migration lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json
from asm.drivers.urls import DatabaseURL

if TYPE_CHECKING:
    from asm.migrations import MigrationReport


@cli.command()
@common
@click.option("--status", "show_status", is_flag=True, help="List the migrations and whether each is applied.")
@click.option("--rollback", "roll_back", is_flag=True, help="Undo the newest applied migration(s).")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="With --rollback: how many to undo.")
@click.option("--break-lock", "break_lock", is_flag=True,
              help="Remove the migration lock a killed `asm migrate` left behind, then stop.")
def migrate(settings: Settings, show_status: bool, roll_back: bool, steps: int | None, break_lock: bool) -> None:
    """Apply pending migrations (or list them, roll back, or break a stale lock).

    Every output names the schema it works in: PostgreSQL's current_schema() (choose one with
    ?options=-csearch_path%3DNAME in the URL), the MySQL database, the SQLite file.
    """
    chosen = [flag for flag, on in (("--status", show_status), ("--rollback", roll_back),
                                    ("--break-lock", break_lock)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be combined")
    if steps is not None and not roll_back:
        raise click.UsageError("--steps needs --rollback")
    from asm import migrations  # the reports behind asm.migrate & co: where, what, who locks

    url = settings.url
    if break_lock:
        lock = migrations.remove_migration_lock(url)
        if settings.json:
            return print_json({"database": str(url), "lock_removed": lock})
        return click.echo(f"removed the migration lock of process {lock.pid} (since {lock.since} UTC) on {url}"
                          if lock else f"no migration lock on {url}")
    if show_status:
        report = migrations.migrations_report(url)
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
        report = migrations.rollback_migrations(url, steps=steps or 1)
        if settings.json:
            return print_json({"database": str(url), "schema": report.schema, "rolled_back": report.ids})
        return click.echo(f"rolled back {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
                          else f"nothing to roll back on {url}, {_where(url, report)}")
    report = migrations.apply_migrations(url)
    if settings.json:
        return print_json({"database": str(url), "schema": report.schema, "other_schemas": report.other_schemas,
                           "applied": report.ids})
    click.echo(f"applied {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
               else f"{url} is up to date, {_where(url, report)}")
    _note_other_schemas(report)


def _where(url: DatabaseURL, report: MigrationReport) -> str:
    """Where `asm migrate` worked, in the dialect's words."""
    return f"{ {'postgres': 'schema', 'mysql': 'database', 'sqlite': 'file'}[url.dialect]} {report.schema}"


def _note_other_schemas(report: MigrationReport) -> None:
    # A search_path that starts at an empty schema migrates a second copy there: say so.
    if report.other_schemas:
        click.echo(f"note: schema {', '.join(report.other_schemas)} of this database also has asm tables, "
                   f"which this URL does not see (it works in schema {report.schema})")
