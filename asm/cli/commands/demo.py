"""`asm demo`: migrate, record a realistic session (the recording is `asm.cli.demo`) and show it."""

from __future__ import annotations

import asm
from asm.cli import views
from asm.cli.commands import usage as usage_view
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json


@cli.command(short_help="Record a realistic agent session and show it.")
@common
def demo(settings: Settings) -> None:
    """Record a realistic agent session, then show its timeline and usage.

    Migrates first; every run records a new session, so it can run any number of times.
    """
    from asm.cli import demo as recording
    from asm.migrations import shipped_migration_ids

    url = settings.url
    # An in-memory database is new each run: the store migrates it, with every migration.
    applied = asm.migrate(url) if not url.is_memory else shipped_migration_ids(url.dialect)
    with settings.store(migrate=url.is_memory) as store:
        result = recording.record(store, settings.database)
        session = store.get_session(result.session_id)
        runs = store.list_runs(session.id)
        events = store.get_events(session.id)
        usage = store.query.get_usage_summary(session_id=session.id)
        # Shown as `asm usage` shows it (providers by name, runs without one apart).
        providers = usage_view.provider_rows(store, usage, None, {"session_id": session.id})
        artifacts = store.artifacts.list_by_session(session.id)
    graph = result.graph_session
    if settings.json:
        return print_json({"database": str(url), "applied": applied, "session": session, "runs": runs,
                           "events": events, "usage": usage_view.usage_document(usage, providers),
                           "artifacts": artifacts, "graph_session": graph})
    out = console()
    if applied:
        out.print(f"migrated {url}: {', '.join(applied)}", markup=False)
    out.print(f"recorded session {session.id} on {url}: {len(runs)} runs, {len(events)} events", markup=False)
    views.show(out, "", views.session_view(session, runs, events), "", usage_view.usage_table(usage, providers, "Usage"), "",
               views.artifacts_table(artifacts))
    messages = len(graph["chat_history"])
    out.print(f"\ngraph session {graph['id']} ({graph['graph_id']}): at task {graph['current_task_id']!r}, "
              f"{messages} chat messages", markup=False)
    asm_ = _asm_command()
    out.print(f"\nnext: {asm_} sessions | {asm_} show {session.id} | {asm_} usage | "
              f"{asm_} events {session.id} --follow",
              markup=False)


def _asm_command() -> str:
    """How the user can run asm again: `asm` when that is what their PATH finds, else the path
    they ran (the quick start installs asm in .venv/bin, usually not on PATH): `.venv/bin/asm`
    from the directory holding it, the absolute path elsewhere."""
    import shutil
    import sys
    from pathlib import Path

    script = Path(sys.argv[0])
    if script.name != "asm":  # `python -m asm`, or embedded: the usual name
        return "asm"
    found = shutil.which("asm")
    if found is not None and Path(found).resolve() == script.resolve():
        return "asm"
    try:
        return str(script.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(script.absolute())
