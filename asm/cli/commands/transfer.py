"""`asm export` and `asm import`: a session as the export document, streamed both ways."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

import asm
from asm.cli.app import Settings, cli, common
from asm.cli.output import echo_flushed, print_json


@cli.command("export")
@common
@click.argument("session_id", metavar="ID")
@click.option("--artifacts", "include_artifacts", is_flag=True, help="Include the session's artifact rows.")
@click.option("-o", "--output", "path", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to FILE instead of stdout.")
def export_command(settings: Settings, session_id: str, include_artifacts: bool, path: Path | None) -> None:
    """Export a session with its runs and events as JSON."""
    # Written as it is read, so memory stays bounded however long the session is. The file is
    # created only for a session that exists, and removed if the export fails midway.
    with settings.store() as store:
        try:
            summary = store.query.export_session_to(session_id, sys.stdout if path is None else path,
                                                    include_artifacts=include_artifacts)
            if path is None:
                return echo_flushed("")
            with path.open("a", encoding="utf-8") as file:
                file.write("\n")
        except OSError as exc:
            raise asm.ValidationError(f"cannot write {path}: {exc.strerror or exc}") from exc
        except asm.ValidationError as exc:
            if exc.details.get("field") != "file":
                raise
            problem = exc.message.removeprefix("cannot write the export: ")
            raise asm.ValidationError(f"cannot write {_name(path or Path('-'))}: {problem}") from exc
    _summary(settings, "exported", summary, path)


@cli.command("import", short_help="Import a session exported with `asm export`.")
@common
@click.argument("path", metavar="FILE", type=click.Path(allow_dash=True, path_type=Path))
def import_command(settings: Settings, path: Path) -> None:
    """Import a session exported with `asm export` (FILE or - for stdin).

    The same ids and sequence numbers are written back; importing twice changes nothing.
    """
    # Parsed and written a batch at a time, in one transaction: memory stays bounded.
    stdin = str(path) == "-"
    try:
        source = getattr(sys.stdin, "buffer", sys.stdin) if stdin else path.open("rb")
    except OSError as exc:
        raise asm.ValidationError(f"cannot read {_name(path)}: {exc.strerror or exc}") from exc
    try:
        with settings.store() as store:
            try:
                summary = store.query.import_session_from(source)
            except asm.ValidationError as exc:
                field = exc.details.get("field")
                if field == "file":
                    problem = exc.message.removeprefix("cannot read the file: ")
                    raise asm.ValidationError(f"cannot read {_name(path)}: {problem}") from exc
                if field in ("document", "format", "version"):
                    raise asm.ValidationError(f"{_name(path)} is not an asm export: {exc.message}") from exc
                raise asm.ValidationError(f"cannot import {_name(path)}: {exc.message}") from exc
    finally:
        if not stdin:
            source.close()
    _summary(settings, "imported", summary, path)


def _name(path: Path) -> str:
    return "stdin" if str(path) == "-" else str(path)


def _summary(settings: Settings, verb: str, summary: Any, path: Path) -> None:
    counts = {"runs": summary.runs, "events": summary.events, "artifacts": summary.artifacts}
    if settings.json:
        return print_json({verb: summary.session_id, "file": _name(path), **counts})
    click.echo(f"{verb} session {summary.session_id} ({counts['runs']} runs, {counts['events']} events, "
               f"{counts['artifacts']} artifacts) {'to' if verb == 'exported' else 'from'} {_name(path)}")
