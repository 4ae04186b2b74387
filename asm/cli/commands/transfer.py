"""`asm export` and `asm import`: a session as the export document, streamed both ways."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

import asm
from asm.cli import progress
from asm.cli.app import Settings, cli, common
from asm.cli.output import echo_flushed, print_json
from asm.query.export_stream import Changes


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
        # The total (for the bar's ETA) costs a count: only read when a bar is drawn.
        total = (store.query.count_events(session_ids=[session_id]) or None) if progress.shown() else None
        try:
            with progress.counting(f"exporting {session_id}", "events", total) as bar:
                summary = store.query.export_session_to(session_id, sys.stdout if path is None else path,
                                                        include_artifacts=include_artifacts, on_events=bar.update)
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
        except asm.SessionNotFound:
            if not (count := store.query.count_events(session_ids=[session_id])):
                raise
            # An export document is a session row with what hangs from it: say why there is none.
            raise asm.SessionNotFound(
                f"session {session_id!r} has {count:,} events but no session row, and an export needs the row: "
                f"`asm events {session_id} --json` lists its events", details={"session_id": session_id}) from None
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
    size = None if stdin else _size(path)
    try:
        with settings.store() as store, progress.counting(f"importing {_name(path)}", "bytes", size) as bar:
            try:
                summary = store.query.import_session_from(
                    _CountingReader(source, bar), on_events=lambda n: bar.note(f"{n:,} events written"))
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


def _size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size or None
    except OSError:
        return None  # opened already: a FIFO, or gone since (the read will say)


class _CountingReader:
    """A file whose reads tell a progress bar how many bytes were read so far."""

    def __init__(self, file: Any, bar: progress.Bar) -> None:
        self._file, self._bar, self._done = file, bar, 0

    def read(self, size: int = -1) -> Any:
        data = self._file.read(size)
        self._done += len(data)
        self._bar.update(self._done)
        return data


def _summary(settings: Settings, verb: str, summary: Any, path: Path) -> None:
    counts = {"runs": summary.runs, "events": summary.events, "artifacts": summary.artifacts}
    if settings.json:
        # An import also says what it did, kind by kind (see import_report).
        changes = {} if summary.changes is None else {"changes": summary.changes}
        return print_json({verb: summary.session_id, "file": _name(path), **counts, **changes})
    click.echo(f"{verb} session {summary.session_id} ({counts['runs']} runs, {counts['events']} events, "
               f"{counts['artifacts']} artifacts) {'to' if verb == 'exported' else 'from'} {_name(path)}")
    if summary.changes is not None:
        for line in import_report(summary.changes):
            click.echo(line)


def import_report(changes: dict[str, Changes]) -> list[str]:
    """What an import did, kind by kind: an unchanged re-import says so instead of looking like
    a fresh one, and events kept as stored though the file's differ are named."""
    session = changes["session"]
    if all(c.created == c.updated == c.differing == 0 for c in changes.values()):
        return ["  nothing changed: everything in the file was stored already"]
    lines = ["  session row: " + ("created" if session.created else "updated" if session.updated else "unchanged")]
    for name, c in changes.items():
        if name == "session":
            continue
        parts = [f"{c.created:,} created"]
        if name == "runs":
            parts += [f"{c.updated:,} updated", f"{c.unchanged:,} unchanged"]
        elif c.kept:
            kept = f"{c.kept:,} already stored, kept as stored"
            if c.differing:
                kept += f" ({c.differing:,} differ from the file: stored {name} are never overwritten)"
            parts.append(kept)
        lines.append(f"  {name}: " + ", ".join(parts))
    return lines
