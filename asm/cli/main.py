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
# click >= 8.2 raises this for a bare `asm`; 8.1 prints the help itself.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())

# The `code` of a --json error that is no asm error (asm errors carry their own stable code).
USAGE_ERROR, COMMAND_ERROR, INTERRUPTED, UNEXPECTED_ERROR = "usage_error", "command_error", "interrupted", "unexpected_error"

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command; any failure is one line on stderr and exit 1
    (2 for a usage error, 130 when interrupted)."""
    # Nothing below should print log records (psycopg_pool logs failed connection attempts).
    logging.getLogger().addHandler(logging.NullHandler())
    as_json = _wants_json(argv)
    try:
        code = cli.main(args=argv, prog_name="asm", standalone_mode=False)
    except NO_ARGS_IS_HELP as exc:
        click.echo(exc.ctx.get_help())
        code = 0
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        print_error(exc.format_message() + hint, code=USAGE_ERROR, as_json=as_json)
        code = EXIT_USAGE
    except click.ClickException as exc:
        print_error(exc.format_message(), code=COMMAND_ERROR, as_json=as_json)
        code = exc.exit_code or EXIT_FAILURE
    except asm.InvalidCursor as exc:
        # Only a --cursor option brings a cursor in: a bad one is a bad argument.
        print_error(exc.message, code=exc.code, as_json=as_json)
        code = EXIT_USAGE
    except asm.AsmError as exc:
        print_error(exc.message, code=exc.code, as_json=as_json)
        code = EXIT_FAILURE
    except (click.Abort, KeyboardInterrupt):
        print_error("interrupted", code=INTERRUPTED, as_json=as_json)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the promise: one line, never a traceback
        print_error(redact(f"{type(exc).__name__}: {exc}", _password(argv)), code=UNEXPECTED_ERROR, as_json=as_json)
        code = EXIT_FAILURE
    sys.exit(code if isinstance(code, int) else 0)


def print_error(message: str, *, code: str, as_json: bool) -> None:
    # Imported on failure only: asm.cli.output brings rich and asm's records.
    from asm.cli.output import print_error as show

    show(message, code=code, as_json=as_json)


def redact(text: str, password: str | None) -> str:
    from asm.drivers.urls import redact as scrub

    return scrub(text, password)


def _wants_json(argv: list[str] | None) -> bool:
    """Whether --json is among the arguments (before a `--`): read here, as a usage error can
    come before click has parsed it."""
    args = sys.argv[1:] if argv is None else argv
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def _password(argv: list[str] | None) -> str | None:
    """The password of the database URL, to scrub it from unexpected messages."""
    args = sys.argv[1:] if argv is None else argv
    candidates = [os.environ.get("DATABASE_URL", ""), os.environ.get("ASM_DATABASE_URL", "")]
    candidates += [a.split("=", 1)[1] for a in args if a.startswith("--database=")]
    candidates += [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--database"]
    from asm.drivers.urls import parse_url

    for candidate in reversed(candidates):
        with suppress(Exception):  # not a URL: nothing to scrub
            if password := parse_url(candidate).password:
                return password
    return None
