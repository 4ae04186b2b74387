"""Applying, rolling back and listing the shipped yoyo migrations for a database URL.

Each run also says where the migrations go (the PostgreSQL schema, the MySQL database, the
SQLite file), and what stopped one: the lock a killed run left (with the command that breaks
it), an object that already exists, or the error yoyo's lost MySQL savepoint would hide.
"""

from __future__ import annotations

import logging
import re
import shlex
import sqlite3
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import attrs
import sqlparse
import yoyo
import yoyo.exceptions

from asm.arguments import positive_int
from asm.drivers.errors import translate
from asm.drivers.poolers import pooler_hint, refuse_migrations
from asm.drivers.urls import DatabaseURL, parse_url, redact
from asm.sql.files import load_queries, migrations_dir
from asm.errors import AsmError, SchemaError, ValidationError

# How long a run waits for the lock another run holds before it gives up (yoyo's default).
LOCK_TIMEOUT_S = 10.0

# Where the migrations go, in each dialect's terms (read on yoyo's own connection).
_WHERE_SQL = {
    "postgres": "SELECT current_schema(), current_setting('search_path')",
    "mysql": "SELECT DATABASE(), NULL",
    "sqlite": "SELECT file, NULL FROM pragma_database_list WHERE name = 'main'",
}
# While the current schema has no asm tables: the database's other schemas that have them (a
# search_path that starts at an empty schema would migrate a second, empty copy and hide them).
_OTHER_SCHEMAS_SQL = (
    "SELECT DISTINCT table_schema FROM information_schema.tables "
    "WHERE table_name = 'asm_events' AND table_schema <> current_schema() AND NOT EXISTS "
    "(SELECT 1 FROM information_schema.tables WHERE table_name = 'asm_events' AND table_schema = current_schema()) "
    "ORDER BY 1")
_LOCK_SQL = "SELECT {quoted.pid}, {quoted.ctime} FROM {0.lock_table_quoted}"


@attrs.frozen
class MigrationStatus:
    id: str
    applied: bool


@attrs.frozen
class MigrationLock:
    """yoyo's lock row: the process migrating now, or killed while it was."""

    pid: int
    since: str | None  # UTC, as the locking process wrote it


@attrs.frozen
class MigrationReport:
    """What a run did and where: `schema` is PostgreSQL's current_schema(), MySQL's database,
    SQLite's file. `other_schemas`: when the schema had no asm tables as the run began, the
    database's other PostgreSQL schemas that have them (the URL may name the wrong one)."""

    schema: str
    other_schemas: list[str] = attrs.field(factory=list)
    ids: list[str] = attrs.field(factory=list)
    migrations: list[MigrationStatus] = attrs.field(factory=list)
    lock: MigrationLock | None = None


def migrate(url: str | DatabaseURL) -> list[str]:
    """Apply every pending migration; returns the ids applied, oldest first."""
    return apply_migrations(url).ids


def rollback(url: str | DatabaseURL, steps: int = 1) -> list[str]:
    """Undo the newest `steps` applied migrations; returns the ids undone, newest first."""
    return rollback_migrations(url, steps).ids


def migration_status(url: str | DatabaseURL) -> list[MigrationStatus]:
    """Every shipped migration, oldest first, and whether this database has it."""
    return migrations_report(url).migrations


def break_migration_lock(url: str | DatabaseURL) -> int | None:
    """Remove the migration lock a killed run left behind; returns the process id that held
    it, or None when there was none. Only for a lock whose process is gone: breaking the
    lock of a running migration lets a second one run beside it."""
    lock = remove_migration_lock(url)
    return lock.pid if lock else None


def apply_migrations(url: str | DatabaseURL,
                     progress: Callable[[int, int, str], None] | None = None) -> MigrationReport:
    """`migrate`, with where it migrated. `progress(done, total, id)` is called before each
    migration is applied (a command line shows a progress bar with it)."""
    url = parse_url(url)
    with _backend(url) as (backend, migrations, where):
        pending = backend.to_apply(migrations)
        for done, migration in enumerate(pending):
            if progress is not None:
                progress(done, len(pending), migration.id)
            with _migration_errors(url, migration.id, "applying"):
                backend.apply_one(migration)
        if pending:
            backend.run_post_apply(pending)
        if url.dialect == "sqlite":
            _analyze_sqlite(backend, url)
        return attrs.evolve(where, ids=[m.id for m in pending])


def rollback_migrations(url: str | DatabaseURL, steps: int = 1) -> MigrationReport:
    """`rollback`, with where it rolled back."""
    positive_int(steps, "steps")
    url = parse_url(url)
    with _backend(url) as (backend, migrations, where):
        undo = backend.to_rollback(migrations)[:steps]
        for migration in undo:
            with _migration_errors(url, migration.id, "rolling back"):
                backend.rollback_one(migration)
        return attrs.evolve(where, ids=[m.id for m in undo])


def migrations_report(url: str | DatabaseURL) -> MigrationReport:
    """`migration_status`, with where and who holds the lock."""
    with _backend(url, lock=False) as (backend, migrations, where):
        statuses = [MigrationStatus(m.id, backend.is_applied(m)) for m in migrations]
        return attrs.evolve(where, migrations=statuses, lock=_read_lock(backend))


def remove_migration_lock(url: str | DatabaseURL) -> MigrationLock | None:
    """`break_migration_lock`, with when the lock was taken."""
    with _backend(url, lock=False) as (backend, _migrations, _where):
        lock = _read_lock(backend)
        backend.break_lock()
        return lock


def migration_statements(dialect: str, only: str | None = None) -> list[str]:
    """The forward statements of every migration in order, or of the one named `only`
    (an in-memory SQLite store migrates itself; graph storage creates its table). Comments
    are stripped, MariaDB's /*M! IF NOT EXISTS */ included: MySQL's 0002 is re-runnable only
    as yoyo runs it (`migrate`). All of SQLite's end with the statistics refresh `migrate` runs."""
    files = sorted(p for p in migrations_dir(dialect).glob("*.sql")
                   if not p.name.endswith(".rollback.sql") and (only is None or p.stem == only))
    stripped = (sqlparse.format(s, strip_comments=True).strip() for f in files for s in sqlparse.split(f.read_text()))
    statements = [s for s in stripped if s]
    # An in-memory store's migrate ends like `migrate`'s (see _analyze_sqlite).
    return statements + sqlite_statistics_statements() if dialect == "sqlite" and only is None else statements


def shipped_migration_ids(dialect: str) -> list[str]:
    """The id of every shipped migration of `dialect`, oldest first."""
    return sorted(p.stem for p in migrations_dir(dialect).glob("*.sql") if not p.name.endswith(".rollback.sql"))


def rollback_statements(dialect: str, id: str) -> list[str]:
    """The statements that roll back migration `id` as its file has them, comments kept (what
    `asm migrate --rollback --dry-run` shows: MariaDB's /*M! ... */ are part of the SQL)."""
    path = migrations_dir(dialect) / f"{id}.rollback.sql"
    return [s.strip() for s in sqlparse.split(path.read_text()) if s.strip()]


# A rollback statement that loses stored rows or values (indexes can be rebuilt).
_DROPS_DATA = re.compile(r"\bDROP\s+(?:TABLE|COLUMN|SCHEMA|DATABASE)\b|\bTRUNCATE\b|\bDELETE\s+FROM\b", re.IGNORECASE)


def drops_data(statement: str) -> bool:
    """Whether a rollback statement deletes stored data (a table, a column, rows)."""
    return _DROPS_DATA.search(sqlparse.format(statement, strip_comments=True)) is not None


# SQLite keeps no planner statistics until ANALYZE: over 1M events count_sessions(provider) took
# over 60 s without them and 64 ms with (a sampled ANALYZE: 13 ms). So `migrate` ends with one,
# and maintenance.execute runs it again as the tables grow. The other dialects keep their own.
_SQLITE_STATISTICS = ("statistics_sample_limit", "refresh_statistics")


def sqlite_statistics_statements() -> list[str]:
    """The named SQLite queries that refresh the statistics, as raw statements."""
    queries = load_queries("sqlite", "sqlite3")
    return [getattr(queries, name).sql for name in _SQLITE_STATISTICS]


def _analyze_sqlite(backend: Any, url: DatabaseURL) -> None:
    with _migration_errors(url, "statistics (ANALYZE)", "finishing"), backend.transaction():
        for sql in sqlite_statistics_statements():
            backend.execute(sql)


# --- opening yoyo --------------------------------------------------------------------------------


@contextmanager
def _backend(url: str | DatabaseURL, lock: bool = True) -> Iterator[tuple[Any, Any, MigrationReport]]:
    with warnings.catch_warnings():
        # yoyo still passes PyMySQL's old `db=` keyword (also on reconnects); not the caller's concern.
        warnings.filterwarnings("ignore", "'db' is deprecated", DeprecationWarning)
        with _yoyo_backend(url, lock) as opened:
            yield opened


@contextmanager
def _yoyo_backend(url: str | DatabaseURL, lock: bool) -> Iterator[tuple[Any, Any, MigrationReport]]:
    url = parse_url(url)
    if url.is_memory:
        raise ValidationError(
            "an in-memory SQLite database lives inside one store: use asm.connect(url, migrate=True)",
            details={"field": "url"},
        )
    if lock:  # applying or rolling back; reading the status through a pooler is fine
        refuse_migrations(url)
    backend = None
    try:
        backend = yoyo.get_backend(url.yoyo_url())
        migrations = yoyo.read_migrations(str(migrations_dir(url.dialect)))
        where = _where(backend, url)
        if lock:
            with backend.lock(timeout=LOCK_TIMEOUT_S):
                yield backend, migrations, where
        else:
            yield backend, migrations, where
    except AsmError:
        raise
    except yoyo.exceptions.LockTimeout as exc:
        raise _lock_error(backend, url) from exc
    except yoyo.exceptions.MigrationConflict as exc:
        raise SchemaError(f"migration conflict on {url}: {exc}", details={}) from exc
    except Exception as exc:
        error = translate(exc, url=url, write=True, what="migrating")
        if error is exc:
            text = redact(f"{type(exc).__name__}: {exc}", url.password)
            raise SchemaError(f"migrating {url} failed: {text}") from exc
        raise error from exc
    finally:
        if backend is not None:
            _close_backend(backend)


def _where(backend: Any, url: DatabaseURL) -> MigrationReport:
    schema, search_path = backend.execute(_WHERE_SQL[url.dialect]).fetchone()
    if schema is None and url.dialect == "postgres":
        raise SchemaError(
            f"the search_path of {url} ({search_path}) names no schema that exists, so there is "
            "nowhere to migrate: create the schema, or name one in the URL with "
            "?options=-csearch_path%3Dmyschema",
            details={"dialect": url.dialect, "database": str(url), "search_path": search_path},
        )
    others = [row[0] for row in backend.execute(_OTHER_SCHEMAS_SQL).fetchall()] if url.dialect == "postgres" else []
    return MigrationReport(schema=schema or "", other_schemas=others)


def _close_backend(backend: Any) -> None:
    try:
        backend.connection.close()
    except Exception:  # noqa: BLE001 - nothing left to release
        pass


# --- the lock ------------------------------------------------------------------------------------


def _read_lock(backend: Any) -> MigrationLock | None:
    row = backend.execute(backend.format_sql(_LOCK_SQL)).fetchone()
    if row is None:
        return None
    pid, since = row
    if isinstance(since, bytes):
        since = since.decode()
    if isinstance(since, datetime):
        since = since.isoformat(sep=" ", timespec="seconds")
    return MigrationLock(pid=int(pid), since=str(since)[:19] if since else None)


def break_lock_command(url: DatabaseURL) -> str:
    """The command that breaks the lock on `url` (its password hidden)."""
    return f"asm migrate --break-lock --database {shlex.quote(str(url))}"


def _lock_error(backend: Any, url: DatabaseURL) -> SchemaError:
    try:
        lock = _read_lock(backend)
    except Exception:  # noqa: BLE001 - the lock's holder is a detail; the advice stands without it
        lock = None
    holder = f"process {lock.pid} (since {lock.since} UTC)" if lock else "another process"
    fix = break_lock_command(url)
    return SchemaError(
        f"{holder} holds the migration lock on {url}; waited {LOCK_TIMEOUT_S:g} s. If that process "
        f"is no longer running (a killed `asm migrate`), break the lock with `{fix}` and migrate again",
        details={"dialect": url.dialect, "database": str(url), "pid": lock.pid if lock else None,
                 "locked_since": lock.since if lock else None, "fix": fix},
    )


# --- a migration that fails ----------------------------------------------------------------------


@contextmanager
def _migration_errors(url: DatabaseURL, id: str, action: str) -> Iterator[None]:
    try:
        yield
    except AsmError:
        raise
    except Exception as exc:
        cause = _real_cause(exc)
        raise _migration_error(cause, url, id, action) from cause


def _real_cause(exc: BaseException) -> BaseException:
    # yoyo runs each statement in a savepoint. MySQL commits before every DDL statement, so the
    # savepoint is gone when a statement fails, and "SAVEPOINT sp_1 does not exist" is raised
    # while handling the statement's own error: that one is the cause.
    errors = _driver_errors()
    while isinstance(exc, errors) and isinstance(exc.__context__, errors) and "savepoint" in str(exc).lower():
        exc = exc.__context__
    return exc


def _migration_error(cause: BaseException, url: DatabaseURL, id: str, action: str) -> AsmError:
    what = f"{action} migration {id}"
    details = {"dialect": url.dialect, "database": str(url), "operation": what, "migration": id}
    existing = _existing_object(cause)
    if existing is not None:
        text, name = (redact(part, url.password) for part in existing)
        return SchemaError(
            f"{what} on {url} failed: {text}. The database was probably changed by hand or half "
            f"migrated. To repair: if {name} holds nothing you need, drop it (or move its rows aside "
            f"first), then run `asm migrate --database {shlex.quote(str(url))}` again",
            details={**details, "kind": "already_exists", "object": name},
        )
    error = translate(cause, url=url, write=True, what=what)
    if isinstance(error, AsmError) and error.retryable:
        # A lost connection, a deadlock, a lock timeout (a migration waits at most 5 s for a lock
        # a long transaction holds, rather than hold up the queries queued behind it): migrating
        # again may work, and every migration can run again after a partial apply.
        error.details.setdefault("migration", id)
        return error
    text = redact(_driver_text(cause), url.password)
    kind = error.details.get("kind", "other") if isinstance(error, AsmError) else "other"
    return SchemaError(f"{what} on {url} failed: {text}{pooler_hint(text)}", details={**details, "kind": kind})


# An error of a driver nothing has imported cannot be at hand: the drivers are looked up, not
# imported, so migrating a SQLite file loads neither psycopg nor PyMySQL.
def _psycopg() -> Any:
    return sys.modules.get("psycopg")


def _pymysql() -> Any:
    return sys.modules.get("pymysql")


def _is_mysql_error(exc: BaseException) -> bool:
    pymysql = _pymysql()
    return pymysql is not None and isinstance(exc, pymysql.err.MySQLError)


def _driver_errors() -> tuple[type[BaseException], ...]:
    psycopg, pymysql = _psycopg(), _pymysql()
    return ((sqlite3.Error,) + ((psycopg.Error,) if psycopg is not None else ())
            + ((pymysql.err.MySQLError,) if pymysql is not None else ()))


def _driver_text(exc: BaseException) -> str:
    """The driver's message without its decorations (PyMySQL's (code, text) tuple)."""
    if _is_mysql_error(exc) and len(exc.args) == 2:
        return str(exc.args[1])
    psycopg = _psycopg()
    if psycopg is not None and isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return str(exc.diag.message_primary)
    return str(exc).strip() or type(exc).__name__


# "already exists" in each driver's words, and where the object's name is in the message.
_PG_EXISTS = ("DuplicateTable", "DuplicateObject", "DuplicateColumn", "DuplicateFunction", "DuplicateSchema")
# 1050 table, 1060 column, 1061 index, 1304 procedure or function, 1359 trigger, 1826 foreign key.
_MYSQL_EXISTS = {1050, 1060, 1061, 1304, 1359, 1826}
_SQLITE_EXISTS = re.compile(r"^(?:\w+ (\S+) already exists|duplicate column name: (\S+))")
_QUOTED_NAME = re.compile(r"""["'`]([^"'`]+)["'`]|function (\w+)""")


def _existing_object(exc: BaseException) -> tuple[str, str] | None:
    """(the driver's message, the object's name) when `exc` says an object already exists."""
    psycopg = _psycopg()
    pg_exists = psycopg is not None and isinstance(exc, tuple(getattr(psycopg.errors, n) for n in _PG_EXISTS))
    if pg_exists or (_is_mysql_error(exc) and exc.args and exc.args[0] in _MYSQL_EXISTS):
        text = _driver_text(exc)
        found = _QUOTED_NAME.search(text)
        return text, next((g for g in found.groups() if g), text) if found else text
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        found = _SQLITE_EXISTS.match(text)
        if found:
            return text, found.group(1) or found.group(2)
    return None


# yoyo announces every step at INFO; asm's callers want quiet unless they ask. A failed step
# is raised as an asm error, so yoyo's own record of it must not reach stderr unasked either.
logging.getLogger("yoyo").setLevel(logging.WARNING)
logging.getLogger("yoyo").addHandler(logging.NullHandler())
