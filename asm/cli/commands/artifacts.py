"""`asm artifacts`: a session's live artifacts (metadata; the blobs live elsewhere)."""

from __future__ import annotations

import click

from asm.cli import output
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json, when
from asm.cli.tabular import Format, delimited, print_delimited

CSV_COLUMNS = ("id", "key", "session_id", "run_id", "type", "content_type", "size_bytes", "checksum_sha256",
               "storage_backend", "storage_ref", "metadata", "created_at")


@cli.command()
@common
@delimited
@click.argument("session_id", metavar="ID")
def artifacts(settings: Settings, session_id: str, text_format: Format) -> None:
    """A session's live artifacts, oldest first."""
    with settings.store() as store:
        store.get_session(session_id)
        found = store.artifacts.list_by_session(session_id)
    if settings.json:
        return print_json({"session_id": session_id, "artifacts": found})
    if text_format is not None:
        return print_delimited(text_format, CSV_COLUMNS, (
            (a.id, a.key, a.session_id, a.run_id, a.type, a.content_type, a.size_bytes, a.checksum_sha256,
             a.storage_backend, a.storage_ref, a.metadata, a.created_at) for a in found))
    console().print(output.table(
        f"Artifacts of {session_id} ({len(found)})", ("key", "type", "content type", "bytes", "created (UTC)", "storage"),
        ((a.key, a.type, a.content_type, a.size_bytes, when(a.created_at, millis=False), a.storage_ref)
         for a in found),
        numeric=("bytes",), no_wrap=("created (UTC)",)))
