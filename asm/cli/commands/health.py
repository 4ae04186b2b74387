"""`asm health`: can asm work on this database? Connects, reads the migration state and runs the
store's consistency check; exit 0 when healthy, 1 otherwise (a script or a probe can rely on it)."""

from __future__ import annotations

import click

from asm.cli.app import EXIT_FAILURE, Settings, cli, common
from asm.cli.output import print_json


@cli.command(short_help="Check the database: reachable, migrated, consistent.")
@common
def health(settings: Settings) -> None:
    """Check the database: reachable, every migration applied, consistent (exit 0), else exit 1."""
    from asm import migrations

    url = settings.url
    report = migrations.migrations_report(url)  # an unreachable server fails here: one error line, exit 1
    applied = [m.id for m in report.migrations if m.applied]
    pending = [m.id for m in report.migrations if not m.applied]
    problems: list[str] = []
    if not pending:  # the store opens only on a migrated schema
        with settings.store() as store:
            problems = store.maintenance.health_check()
    healthy = not pending and not problems
    if settings.json:
        print_json({"database": str(url), "healthy": healthy, "schema": report.schema, "applied": applied,
                    "pending": pending, "lock": report.lock, "problems": problems})
    else:
        click.echo(f"database: {url} ({report.schema}), reachable")
        click.echo(f"migrations: {len(applied)} of {len(report.migrations)} applied"
                   + (f"; pending: {', '.join(pending)} (run `asm migrate`)" if pending else ""))
        if report.lock:
            click.echo(f"migration lock: held by process {report.lock.pid} since {report.lock.since} UTC")
        for problem in problems:
            click.echo(f"problem: {problem}")
        click.echo("healthy" if healthy else "unhealthy")
    if not healthy:
        raise click.exceptions.Exit(EXIT_FAILURE)
