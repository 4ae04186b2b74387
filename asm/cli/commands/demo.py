"""`asm demo`: migrate, record a realistic session (the recording is `asm.cli.demo`) and show it."""

from __future__ import annotations

import asm
from asm.cli import views
from asm.cli.app import Settings, cli, common
from asm.cli.output import console, print_json


@cli.command(short_help="Record a realistic agent session and show it.")
@common
def demo(settings: Settings) -> None:
    """Record a realistic agent session, then show its timeline and usage.

    Migrates first; every run records a new session, so it can run any number of times.
    """
    from asm.cli import demo as recording

    url = settings.url
    applied = asm.migrate(url) if not url.is_memory else []
    with settings.store(migrate=url.is_memory) as store:
        result = recording.record(store, settings.database)
        session = store.get_session(result.session_id)
        runs = store.list_runs(session.id)
        events = store.get_events(session.id)
        usage = store.query.get_usage_summary(session_id=session.id)
        artifacts = store.artifacts.list_by_session(session.id)
    graph = result.graph_session
    if settings.json:
        return print_json({"database": str(url), "migrations_applied": applied, "session": session, "runs": runs,
                           "events": events, "usage": usage, "artifacts": artifacts, "graph_session": graph})
    out = console()
    if applied:
        out.print(f"migrated {url}: {', '.join(applied)}", markup=False)
    out.print(f"recorded session {session.id} on {url}: {len(runs)} runs, {len(events)} events", markup=False)
    views.show(out, "", views.session_view(session, runs, events), "", views.usage_table(usage), "",
               views.artifacts_table(artifacts))
    messages = len(graph["chat_history"])
    out.print(f"\ngraph session {graph['id']} ({graph['graph_id']}): at task {graph['current_task_id']!r}, "
              f"{messages} chat messages", markup=False)
    out.print(f"\nnext: asm sessions | asm show {session.id} | asm usage | asm events {session.id} --follow",
              markup=False)
