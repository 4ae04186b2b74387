"""The `asm` command line (CONTRACT §11): the click group, its commands, and `main`, which turns
every failure into one `error: ...` line on stderr and a non-zero exit code."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import click
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

import asm
from asm.cli import output, views
from asm.cli.database import open_store, raw_connection
from asm.cli.output import console, print_error, print_json
from asm.db.urls import DatabaseURL, parse_url, redact
from asm.enums import EventType, SessionStatus

DEFAULT_URL = "sqlite:///asm.db"
FOLLOW_WAIT_MS = 5000
EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
# click >= 8.2 raises this for a bare `asm`; 8.1 prints the help itself.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


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
        settings = click.get_current_context().find_object(Settings)
        settings = Settings(database or settings.database, json_output or settings.json)
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


# --- schema ---


@cli.command()
@common
@click.option("--status", "show_status", is_flag=True, help="List the migrations and whether each is applied.")
@click.option("--rollback", "roll_back", is_flag=True, help="Undo the newest applied migration(s).")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="With --rollback: how many to undo.")
@click.option("--break-lock", "break_lock", is_flag=True,
              help="Remove the migration lock a killed `asm migrate` left behind, then stop.")
def migrate(settings: Settings, show_status: bool, roll_back: bool, steps: int | None, break_lock: bool) -> None:
    """Apply pending migrations (or list them, roll back, or break a stale lock).

    Every output names the schema it works in: PostgreSQL's current_schema() (choose one with
    ?options=-csearch_path%3DNAME in the URL), the MySQL database, the SQLite file.
    """
    chosen = [flag for flag, on in (("--status", show_status), ("--rollback", roll_back),
                                    ("--break-lock", break_lock)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} cannot be combined")
    if steps is not None and not roll_back:
        raise click.UsageError("--steps needs --rollback")
    from asm.db import migrations  # the reports behind asm.migrate & co: where, what, who locks

    url = settings.url
    if break_lock:
        lock = migrations.remove_migration_lock(url)
        if settings.json:
            return print_json({"database": str(url), "lock_removed": lock})
        return click.echo(f"removed the migration lock of process {lock.pid} (since {lock.since} UTC) on {url}"
                          if lock else f"no migration lock on {url}")
    if show_status:
        report = migrations.migrations_report(url)
        if settings.json:
            return print_json({"database": str(url), "schema": report.schema, "other_schemas": report.other_schemas,
                               "lock": report.lock, "migrations": report.migrations})
        console().print(output.table(f"Migrations on {url}, {_where(url, report)}", ("migration", "applied"),
                                     ((m.id, "yes" if m.applied else "no") for m in report.migrations)))
        if report.lock:
            click.echo(f"locked by process {report.lock.pid} since {report.lock.since} UTC "
                       f"(if it is no longer running: {migrations.break_lock_command(url)})")
        return _note_other_schemas(report)
    if roll_back:
        report = migrations.rollback_migrations(url, steps=steps or 1)
        if settings.json:
            return print_json({"database": str(url), "schema": report.schema, "rolled_back": report.ids})
        return click.echo(f"rolled back {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
                          else f"nothing to roll back on {url}, {_where(url, report)}")
    report = migrations.apply_migrations(url)
    if settings.json:
        return print_json({"database": str(url), "schema": report.schema, "other_schemas": report.other_schemas,
                           "applied": report.ids})
    click.echo(f"applied {', '.join(report.ids)} on {url}, {_where(url, report)}" if report.ids
               else f"{url} is up to date, {_where(url, report)}")
    _note_other_schemas(report)


def _where(url: DatabaseURL, report: migrations.MigrationReport) -> str:
    """Where `asm migrate` worked, in the dialect's words."""
    return f"{ {'postgres': 'schema', 'mysql': 'database', 'sqlite': 'file'}[url.dialect]} {report.schema}"


def _note_other_schemas(report: migrations.MigrationReport) -> None:
    # A search_path that starts at an empty schema migrates a second copy there: say so.
    if report.other_schemas:
        click.echo(f"note: schema {', '.join(report.other_schemas)} of this database also has asm tables, "
                   f"which this URL does not see (it works in schema {report.schema})")


# --- the demo ---


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
        result = recording.record(store, url)
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


# --- reading ---


@cli.command()
@common
@click.option("--agent", help="Only this agent's sessions.")
@click.option("--status", multiple=True, type=click.Choice([s.value for s in SessionStatus]),
              help="Only sessions in this status (repeatable).")
@click.option("--provider", help="Only sessions with a run by this provider.")
@click.option("--tag", "tags", multiple=True, help="Only sessions having this tag (repeatable: all must match).")
@click.option("--deleted", "include_deleted", is_flag=True, help="Include soft-deleted sessions.")
@click.option("--order", type=click.Choice(["updated_at_desc", "created_at_desc", "created_at_asc"]),
              default="updated_at_desc", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--cursor", help="The cursor printed under the previous page.")
@click.option("--total", "with_total", is_flag=True,
              help="Also count every matching session (reads them all: slow on large databases).")
def sessions(settings: Settings, agent: str | None, status: tuple[str, ...], provider: str | None,
             tags: tuple[str, ...], include_deleted: bool, order: str, limit: int, cursor: str | None,
             with_total: bool) -> None:
    """List and search sessions, newest first."""
    with settings.store() as store:
        page = store.query.search_sessions(
            agent_id=agent, status=list(status) or None, provider=provider, tags=list(tags) or None,
            include_deleted=include_deleted, order_by=order, limit=limit, cursor=cursor, with_total=with_total,
        )
    if settings.json:
        return print_json(page)
    out = console()
    out.print(views.sessions_table(page.sessions, views.sessions_title(len(page.sessions), page.total_count)))
    if page.has_more:
        out.print(f"next page: --cursor {page.cursor}", markup=False)


@cli.command()
@common
@click.argument("session_id", metavar="ID")
def show(settings: Settings, session_id: str) -> None:
    """A session, its runs and its event timeline."""
    with settings.store() as store:
        session = store.get_session(session_id)
        runs = store.list_runs(session_id)
        events = store.get_events(session_id)
        artifacts = store.artifacts.list_by_session(session_id)
    if settings.json:
        return print_json({"session": session, "runs": runs, "events": events, "artifacts": artifacts})
    out = console()
    views.show(out, views.session_view(session, runs, events))
    if artifacts:
        views.show(out, "", views.artifacts_table(artifacts))


@cli.command()
@common
@click.argument("session_id", metavar="ID")
@click.option("--after", type=click.IntRange(min=0), default=None, help="Only events numbered above N.")
@click.option("--type", "types", multiple=True, type=click.Choice([t.value for t in EventType]),
              help="Only events of this type (repeatable).")
@click.option("--run", "run_id", help="Only events of this run.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they arrive, until Ctrl-C.")
def events(settings: Settings, session_id: str, after: int | None, types: tuple[str, ...], run_id: str | None,
           follow: bool) -> None:
    """A session's events in sequence order (--follow: as they arrive)."""
    filters = {"type": list(types) or None, "run_id": run_id}
    with settings.store() as store:
        _require_session(store, session_id)
        found = store.get_events(session_id, after=after, **filters)
        if not follow:
            if settings.json:
                return print_json({"session_id": session_id, "events": found})
            return console().print(output.timeline(found, title=f"Events of {session_id}"))
        _follow(store, settings, session_id, found, after or 0, filters)


def _follow(store: asm.SessionStore, settings: Settings, session_id: str, found: list[asm.Event], last: int,
            filters: dict[str, Any]) -> None:
    show_one = output.print_json_line if settings.json else lambda e: _echo_flushed(output.event_line(e))
    try:
        while True:
            for event in found:
                show_one(event)
                last = event.sequence_number
            found = store.get_events(session_id, after=last, wait_timeout_ms=FOLLOW_WAIT_MS, **filters)
    except KeyboardInterrupt:
        return


def _echo_flushed(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _require_session(store: asm.SessionStore, session_id: str) -> None:
    """A session is known when it has a row or events (events need no session row)."""
    try:
        store.get_session(session_id)
    except asm.SessionNotFound:
        if not store.get_latest_sequence(session_id):
            raise


def _utc(value: datetime | None) -> datetime | None:
    """click.DateTime gives naive datetimes: they are read as UTC."""
    return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value


@cli.command()
@common
@click.option("--session", "session_id", metavar="ID", help="Only this session's runs.")
@click.option("--agent", help="Only runs of this agent's sessions.")
@click.option("--provider", help="Only this provider's runs.")
@click.option("--since", type=click.DateTime(), help="Only runs started at or after (UTC).")
@click.option("--until", type=click.DateTime(), help="Only runs started at or before (UTC).")
def usage(settings: Settings, session_id: str | None, agent: str | None, provider: str | None,
          since: datetime | None, until: datetime | None) -> None:
    """Token usage, in total and by provider."""
    with settings.store() as store:
        if session_id is not None:
            store.get_session(session_id)
        summary = store.query.get_usage_summary(session_id=session_id, agent_id=agent, provider=provider,
                                                since=_utc(since), until=_utc(until))
    if settings.json:
        return print_json(summary)
    console().print(views.usage_table(summary, "Usage by provider"))


# --- maintenance ---


class PositiveOrNone(click.ParamType):
    """A positive int, or `none` for "no limit"."""

    name = "N|none"

    def get_metavar(self, *args: Any, **kwargs: Any) -> str:
        return "N|none"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None or isinstance(value, int) and not isinstance(value, bool):
            return value
        if str(value).strip().lower() == "none":
            return NO_LIMIT
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is not a positive integer or 'none'", param, ctx)
        return number


NO_LIMIT = "none"
POLICY_HELP = {
    "max_session_age_days": "Soft-delete non-exempt sessions created longer ago.",
    "max_completed_session_age_days": "Soft-delete finished sessions not updated for this long.",
    "hard_delete_after_days": "Hard-delete sessions soft-deleted longer ago.",
    "max_events_per_session": "Prune each session's oldest prunable events beyond this count.",
    "max_total_events": "Then prune the oldest prunable events beyond this count overall.",
    "batch_size": "Rows per delete statement / transaction.",
}


def policy_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One flag per int field of RetentionPolicy (`--max-events-per-session N|none`)."""
    for field in reversed(attrs.fields(asm.RetentionPolicy)):
        if field.type not in ("int | None", "int"):
            continue
        default = "no limit" if field.default is None else field.default
        kind = PositiveOrNone() if field.type == "int | None" else click.IntRange(min=1)
        command = click.option(
            "--" + field.name.replace("_", "-"), field.name, type=kind, default=None,
            metavar=None if field.type == "int | None" else "N",
            help=f"{POLICY_HELP.get(field.name, '')} [default: {default}]",
        )(command)
    return command


@cli.command()
@common
@policy_options
@click.option("--dry-run", is_flag=True, help="Count what would happen; change nothing.")
def maintain(settings: Settings, dry_run: bool, **limits: Any) -> None:
    """Apply a retention policy: delete old sessions, prune events.

    Soft-deletes expired sessions, hard-deletes long soft-deleted ones, prunes events beyond
    the limits, and cleans orphaned artifact rows and counters. Flags left out keep the
    RetentionPolicy defaults; `none` lifts a limit.
    """
    policy = asm.RetentionPolicy(**{name: None if value == NO_LIMIT else value
                                    for name, value in limits.items() if value is not None})
    working = f"maintaining {settings.url}" + (" (dry run)" if dry_run else "")
    with settings.store() as store, _progress(working):
        report = store.maintenance.execute(policy, dry_run=dry_run)
    if settings.json:
        print_json({"policy": policy, "report": report})
    else:
        console().print(views.report_table(report))
    if report.errors:
        raise asm.StorageError(f"maintenance finished with {len(report.errors)} failed step(s): "
                               + "; ".join(report.errors))


@contextmanager
def _progress(description: str) -> Iterator[None]:
    """A pulsing bar with the elapsed time on stderr while long work runs (terminals only)."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                        TimeElapsedColumn(), console=console(stderr=True), transient=True,
                        disable=not sys.stderr.isatty())
    with progress:
        progress.add_task(description, total=None)
        yield


# --- export and import ---


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
                return _echo_flushed("")
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


# --- the SQL ---


@cli.command(short_help="Print a named SQL query, or list them.")
@common
@click.argument("name", required=False)
@click.option("--dialect", type=click.Choice(["postgres", "sqlite", "mysql"]),
              help="Another dialect's SQL than the database's.")
def sql(settings: Settings, name: str | None, dialect: str | None) -> None:
    """Print a named SQL query of this database's dialect, or list them."""
    from asm.cli.sqlfiles import find_query, named_queries

    dialect = dialect or settings.url.dialect
    if name is not None:
        query = find_query(dialect, name)
        if settings.json:
            return print_json({"dialect": dialect, **attrs.asdict(query)})
        return _echo_flushed(query.text)
    queries = named_queries(dialect)
    if settings.json:
        return print_json({"dialect": dialect, "queries": [
            {"name": q.name, "file": q.file, "comment": q.comment} for q in queries]})
    console().print(output.table(f"Named queries ({dialect})", ("name", "file", "what it does"),
                                 ((q.name, q.file, q.comment) for q in queries), no_wrap=("name",)))


@cli.command()
@common
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A parameter's value (JSON, a timestamp, or text; a list as JSON or comma-separated); repeatable.")
@click.option("--analyze", is_flag=True, help="Run it (EXPLAIN ANALYZE; writes in a transaction rolled back).")
@click.option("--generic", is_flag=True, help="PostgreSQL's generic plan (what a prepared statement may switch to).")
@click.option("--all", "every_query", is_flag=True, help="A verdict table of every named query and case.")
def explain(settings: Settings, name: str | None, params: tuple[str, ...], analyze: bool, generic: bool,
            every_query: bool) -> None:
    """EXPLAIN asm's queries on this database: the hot reads, one NAME's cases, or --all.

    Parameters default to values found in the database: the busiest recent session, the
    rarest types, statuses and providers, a cursor in the middle of that session.
    """
    from asm.cli.explain import explain as plan_queries
    from asm.cli.explain import explain_all

    url = settings.url
    if generic and url.dialect != "postgres":
        raise click.UsageError("--generic is PostgreSQL's (other dialects plan every statement with its values)")
    if every_query and (name or params):
        raise click.UsageError("--all takes no NAME or --param")
    if params and not name:
        raise click.UsageError("--param needs a query NAME")
    given = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param takes K=V, not {item!r}")
        given[key] = value
    with settings.store():  # the schema check: a database that is not migrated is a SchemaError
        pass
    conn = raw_connection(url)
    try:
        if every_query:
            found = explain_all(url, conn, analyze=analyze, generic=generic)
        else:
            found = plan_queries(url, conn, [name] if name else None, given=given, analyze=analyze, generic=generic,
                                 every_case=bool(name))
    finally:
        conn.close()
    if settings.json:
        return print_json({"database": str(url), "dialect": url.dialect, "analyzed": analyze, "generic": generic,
                           "plans": found})
    out = console()
    if every_query:
        return _explain_table(out, found, analyze)
    for plan in found:
        out.print(plan.query + (f" ({plan.case})" if name else ""), style="bold", markup=False)
        out.print(f"  verdict: {plan.verdict}" + (f"  PROBLEM: {plan.problem}" if plan.problem else ""),
                  markup=False, highlight=False, soft_wrap=True)
        if plan.rows_returned is not None:
            read = "not counted" if plan.rows_read is None else f"{plan.rows_read:,.0f}"
            out.print(f"  rows read: {read}, returned: {plan.rows_returned:,}, {plan.ms:,.2f} ms",
                      markup=False, highlight=False)
        shown = ", ".join(f"{k}={output.compact(v) if isinstance(v, (list, dict)) else v}"
                          for k, v in plan.parameters.items())
        out.print(f"  parameters: {shown or '(none)'}", markup=False, highlight=False, soft_wrap=True)
        for line in plan.plan:
            out.print("  " + line, markup=False, highlight=False, soft_wrap=True)
        out.print()


def _explain_table(out: Any, found: list[Any], analyze: bool) -> None:
    read = "rows read" if analyze else "rows (est.)"
    rows = [(p.query, p.case, p.klass, p.verdict, "" if p.rows_read is None else f"{p.rows_read:,.0f}",
             "" if p.rows_returned is None else f"{p.rows_returned:,}", p.problem or ("analytics" if p.klass != "keyed"
                                                                                      else "ok"))
            for p in found]
    out.print(output.table(f"Plans of {len({p.query for p in found})} named queries",
                           ("query", "case", "class", "verdict", read, "rows returned", "problem"), rows,
                           numeric=(read, "rows returned"), no_wrap=("query",)))
    problems = [p for p in found if p.problem]
    out.print(f"{len(problems)} keyed case(s) read or sort a growing share of a table"
              + (": " + ", ".join(sorted({p.query for p in problems})) if problems else ""), markup=False)


# --- running it ---


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
