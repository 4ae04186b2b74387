"""The `asm` command line (see docs/behaviour.md#command-line): `main` runs the click group and
turns every failure into one `error: ...` line on stderr and a non-zero exit code.

The group and what commands share are in `asm.cli.app`; each command is `asm.cli.commands.<name>`.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import suppress

import click

import asm
from asm.cli.app import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, cli
from asm.cli.commands import demo, events, explain, maintain, migrate, sessions, show, sql, transfer, usage
from asm.cli.output import print_error
from asm.drivers.urls import parse_url, redact

# Imported for their side effect: each registers its command(s) on `cli`.
COMMANDS = (demo, events, explain, maintain, migrate, sessions, show, sql, transfer, usage)
# click >= 8.2 raises this for a bare `asm`; 8.1 prints the help itself.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command; any failure is one line on stderr and exit 1
    (2 for a usage error, 130 when interrupted)."""
    # Nothing below should print log records (psycopg_pool logs failed connection attempts).
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        code = cli.main(args=argv, prog_name="asm", standalone_mode=False)
    except NO_ARGS_IS_HELP as exc:
        click.echo(exc.ctx.get_help())
        code = 0
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        print_error(exc.format_message() + hint)
        code = EXIT_USAGE
    except click.ClickException as exc:
        print_error(exc.format_message())
        code = exc.exit_code or EXIT_FAILURE
    except asm.AsmError as exc:
        print_error(exc.message)
        code = EXIT_FAILURE
    except (click.Abort, KeyboardInterrupt):
        print_error("interrupted")
        code = EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the promise: one line, never a traceback
        print_error(redact(f"{type(exc).__name__}: {exc}", _password(argv)))
        code = EXIT_FAILURE
    sys.exit(code if isinstance(code, int) else 0)


def _password(argv: list[str] | None) -> str | None:
    """The password of the database URL, to scrub it from unexpected messages."""
    args = sys.argv[1:] if argv is None else argv
    candidates = [os.environ.get("ASM_DATABASE_URL", "")]
    candidates += [a.split("=", 1)[1] for a in args if a.startswith("--database=")]
    candidates += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--database"]
    for candidate in reversed(candidates):
        with suppress(Exception):  # not a URL: nothing to scrub
            if password := parse_url(candidate).password:
                return password
    return None
