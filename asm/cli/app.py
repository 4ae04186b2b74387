"""The `asm` click group and what every command shares: the settings, the `common` options and
the exit codes. Each command lives in `asm/cli/commands/<name>.py` and registers itself on `cli`
when the group first needs it (COMMANDS): `asm --help` imports no command, driver or rich."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import click

import asm

if TYPE_CHECKING:
    from asm.drivers.urls import DatabaseURL

DEFAULT_URL = "sqlite:///asm.db"
# Where the URL comes from without --database, first found wins: asm's own variable, then the
# conventional one of hosting platforms and other tools.
DATABASE_ENV = ("ASM_DATABASE_URL", "DATABASE_URL")
DATABASE_ENV_HELP = f"$ASM_DATABASE_URL, else $DATABASE_URL, else {DEFAULT_URL}"
EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
# The click context's meta key holding the running command's --database (set by `common`), so
# every JSON document names its database (asm.cli.output.print_json).
DATABASE_META = "asm.database"


@attrs.frozen
class Settings:
    database: str
    json: bool

    @property
    def url(self) -> DatabaseURL:
        from asm.drivers.urls import parse_url

        return parse_url(self.database)

    def store(self, **options: Any) -> asm.SessionStore:
        from asm.cli.database import open_store

        return open_store(self.url, **options)


# Digits only (no 1e23, no 1_000, no other script's digits), and few enough to convert at once.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,40}")

if TYPE_CHECKING:
    # Generic only in newer clicks (click>=8.1 is supported): subscripted where it cannot fail.
    _CountType = click.ParamType[int, Any]
else:
    _CountType = click.ParamType


class Count(_CountType):
    """A count or limit option (`--limit`, `--last`, `--steps`, ...), checked as the API checks
    it (asm.arguments), so a value the API would refuse is a usage error naming the option
    (exit 2), not a failure of the command (exit 1). `page=True`: a page size (page_limit)."""

    name = "integer"

    def __init__(self, minimum: int = 0, *, page: bool = False) -> None:
        self.minimum, self.page = minimum, page

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if type(value) is int:
            number = value
        else:
            text = str(value).strip()
            if not _WHOLE_NUMBER.fullmatch(text):
                self.fail(f"{value!r} is not a whole number", param, ctx)
            number = int(text)
        from asm.arguments import optional_count, page_limit
        from asm.errors import ValidationError

        try:
            checked = page_limit(number) if self.page else optional_count(number, "value")
        except ValidationError:
            checked = None
        if checked is None or number < self.minimum:
            top = "2**63 - 2" if self.page else "2**63 - 1"
            self.fail(f"{number} is not a whole number from {self.minimum} to {top}", param, ctx)
        return number

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "N"


# The counts the commands take: page sizes, and counts of events, steps, ...
PAGE_LIMIT, COUNT, POSITIVE_COUNT = Count(1, page=True), Count(0), Count(1)


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--database` and `--json` after the command name too (`asm sessions --json`); they win
    over the group's."""
    @functools.wraps(command)
    def run(*args: Any, database: str | None, json_output: bool, **kwargs: Any) -> Any:
        group = click.get_current_context().find_object(Settings)
        assert group is not None  # the group's callback sets it before any command runs
        settings = Settings(database or group.database, json_output or group.json)
        # For print_json: every JSON document names the database it was read from.
        click.get_current_context().meta[DATABASE_META] = settings.database
        return command(settings, *args, **kwargs)

    run = click.option("--json", "json_output", is_flag=True, help="Machine output: one JSON document on stdout.")(run)
    return click.option("--database", metavar="URL", default=None,
                        help=f"Database URL (overrides the group's); else {DATABASE_ENV_HELP}.")(run)


# Every command: its module (imported when the command runs) and its one-line help, which `asm
# --help` shows without importing it (tests/test_cli_help.py keeps both in step with the commands).
COMMANDS: dict[str, tuple[str, str]] = {
    "artifacts": ("artifacts", "A session's live artifacts, oldest first."),
    "demo": ("demo", "Record a realistic agent session and show it."),
    "events": ("events", "A session's events in sequence order, one line each (--follow: as they arrive)."),
    "explain": ("explain", "EXPLAIN asm's queries on this database: the hot reads, one NAME's cases, or --all."),
    "export": ("transfer", "Export a session with its runs and events as JSON."),
    "health": ("health", "Check the database: reachable, migrated, consistent."),
    "import": ("transfer", "Import a session exported with `asm export`."),
    "maintain": ("maintain", "Apply a retention policy: delete old sessions, prune events."),
    "migrate": ("migrate", "Apply pending migrations (or list them, roll back, or break a stale lock)."),
    "runs": ("runs", "A session's runs (ID), or every session's, a page at a time."),
    "search": ("search", "Search events across sessions."),
    "sessions": ("sessions", "List and search sessions, newest first."),
    "show": ("show", "A session, its runs, an event summary and its latest events."),
    "sql": ("sql", "Print a named SQL query, or list them."),
    "stats": ("stats", "One session in numbers: events per type, runs, tokens."),
    "usage": ("usage", "Token usage, in total and by provider."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is asked for, so `asm --help` and `asm
    --version` cost the group alone (each command module imports rich, the store, ...)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            # The module registers its command(s) on `cli` as it is imported.
            importlib.import_module(f"asm.cli.commands.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            # Not imported yet: a stand-in with the registered help, shortened as click shortens it.
            command = self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_commands() -> dict[str, click.Command]:
    """Every command, imported (what a tool walking the command line needs)."""
    ctx = click.Context(cli)
    return {name: command for name in cli.list_commands(ctx) if (command := cli.get_command(ctx, name))}


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--database", metavar="URL", envvar=DATABASE_ENV, default=DEFAULT_URL, show_envvar=False,
              help=f"Database URL: sqlite:///path, postgresql://..., mysql://...; else {DATABASE_ENV_HELP}.")
@click.option("--json", "json_output", is_flag=True, help="Machine output: one JSON document on stdout.")
@click.version_option(asm.__version__, "-V", "--version", prog_name="asm")
@click.pass_context
def cli(ctx: click.Context, database: str, json_output: bool) -> None:
    """Persist and inspect AI-agent sessions on PostgreSQL, SQLite and MySQL/MariaDB.

    Start with `asm demo`: it migrates the database, records a session and shows it.
    """
    ctx.obj = Settings(database, json_output)
