"""Applying, rolling back and listing the shipped yoyo migrations for a database URL."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import sqlparse
import yoyo
import yoyo.exceptions

from asm.db.resources import migrations_dir
from asm.db.translate import translate
from asm.db.urls import DatabaseURL, parse_url
from asm.errors import AsmError, SchemaError, ValidationError


@attrs.frozen
class MigrationStatus:
    id: str
    applied: bool


def migrate(url: str | DatabaseURL) -> list[str]:
    """Apply every pending migration; returns the ids applied, oldest first."""
    with _backend(url) as (backend, migrations):
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
        return [m.id for m in pending]


def rollback(url: str | DatabaseURL, steps: int = 1) -> list[str]:
    """Undo the newest `steps` applied migrations; returns the ids undone, newest first."""
    if type(steps) is not int or steps < 1:
        raise ValidationError("steps must be an int >= 1", details={"field": "steps"})
    with _backend(url) as (backend, migrations):
        undo = backend.to_rollback(migrations)[:steps]
        backend.rollback_migrations(undo)
        return [m.id for m in undo]


def migration_status(url: str | DatabaseURL) -> list[MigrationStatus]:
    """Every shipped migration, oldest first, and whether this database has it."""
    with _backend(url, lock=False) as (backend, migrations):
        return [MigrationStatus(m.id, backend.is_applied(m)) for m in migrations]


def migration_statements(dialect: str, only: str | None = None) -> list[str]:
    """The forward statements of every migration in order, or of the one named `only`
    (an in-memory SQLite store migrates itself; graph storage creates its table)."""
    files = sorted(p for p in migrations_dir(dialect).glob("*.sql")
                   if not p.name.endswith(".rollback.sql") and (only is None or p.stem == only))
    statements = (sqlparse.format(s, strip_comments=True).strip() for f in files for s in sqlparse.split(f.read_text()))
    return [s for s in statements if s]


@contextmanager
def _backend(url: str | DatabaseURL, lock: bool = True) -> Iterator[tuple[Any, Any]]:
    with warnings.catch_warnings():
        # yoyo still passes PyMySQL's old `db=` keyword (also on reconnects); not the caller's concern.
        warnings.filterwarnings("ignore", "'db' is deprecated", DeprecationWarning)
        with _yoyo_backend(url, lock) as opened:
            yield opened


@contextmanager
def _yoyo_backend(url: str | DatabaseURL, lock: bool) -> Iterator[tuple[Any, Any]]:
    url = parse_url(url)
    if url.is_memory:
        raise ValidationError(
            "an in-memory SQLite database lives inside one store: use asm.connect(url, migrate=True)",
            details={"field": "url"},
        )
    backend = None
    try:
        backend = yoyo.get_backend(url.yoyo_url())
        migrations = yoyo.read_migrations(str(migrations_dir(url.dialect)))
        if lock:
            with backend.lock():
                yield backend, migrations
        else:
            yield backend, migrations
    except AsmError:
        raise
    except yoyo.exceptions.LockTimeout as exc:
        raise SchemaError(f"another process holds the migration lock on {url}", details={}) from exc
    except yoyo.exceptions.MigrationConflict as exc:
        raise SchemaError(f"migration conflict on {url}: {exc}", details={}) from exc
    except Exception as exc:
        error = translate(exc, url=url, write=True, what="migrating")
        if error is exc:
            raise SchemaError(f"migrating {url} failed: {type(exc).__name__}: {exc}") from exc
        raise error from exc
    finally:
        if backend is not None:
            _close_backend(backend)


def _close_backend(backend: Any) -> None:
    try:
        backend.connection.close()
    except Exception:  # noqa: BLE001 - nothing left to release
        pass


# yoyo announces every step at INFO; asm's callers want quiet unless they ask.
logging.getLogger("yoyo").setLevel(logging.WARNING)
