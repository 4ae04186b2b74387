"""The `asm` click group and what every command shares: the settings, the `common` options and
the exit codes. Each command lives in `asm/cli/commands/<name>.py` and registers itself on `cli`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
import click

import asm
from asm.cli.database import open_store
from asm.drivers.urls import DatabaseURL, parse_url

DEFAULT_URL = "sqlite:///asm.db"
EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


@attrs.frozen
class Settings:
    database: str
    json: bool

    @property
    def url(self) -> DatabaseURL:
        return parse_url(self.database)

    def store(self, **options: Any) -> asm.SessionStore:
        return open_store(self.url, **options)


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--database` and `--json` after the command name too (`asm sessions --json`); they win
    over the group's."""
    @functools.wraps(command)
    def run(*args: Any, database: str | None, json_output: bool, **kwargs: Any) -> Any:
        group = click.get_current_context().find_object(Settings)
        assert group is not None  # the group's callback sets it before any command runs
        settings = Settings(database or group.database, json_output or group.json)
        return command(settings, *args, **kwargs)

    run = click.option("--json", "json_output", is_flag=True, help="Machine output: one JSON document on stdout.")(run)
    return click.option("--database", metavar="URL", default=None, help="Database URL (overrides the group's).")(run)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database", metavar="URL", envvar="ASM_DATABASE_URL", default=DEFAULT_URL, show_default=True,
              help="Database URL (sqlite:///path, postgresql://..., mysql://...); default $ASM_DATABASE_URL.")
@click.option("--json", "json_output", is_flag=True, help="Machine output: one JSON document on stdout.")
@click.version_option(asm.__version__, "-V", "--version", prog_name="asm")
@click.pass_context
def cli(ctx: click.Context, database: str, json_output: bool) -> None:
    """Persist and inspect AI-agent sessions on PostgreSQL, SQLite and MySQL/MariaDB.

    Start with `asm demo`: it migrates the database, records a session and shows it.
    """
    ctx.obj = Settings(database, json_output)
