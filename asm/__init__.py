"""asm: SQL-first persistence for AI-agent sessions on PostgreSQL, SQLite and MySQL/MariaDB.

The public names below are imported on first use (PEP 562 `__getattr__`): `import asm`, and so
`asm --help`, stays fast and loads no database driver until a store is opened."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asm.artifacts import ArtifactStats
    from asm.migrations import MigrationStatus, break_migration_lock, migrate, migration_status, rollback
    from asm.enums import EventType, RunStatus, SessionStatus
    from asm.errors import (
        AlreadyExists,
        AsmError,
        ConflictError,
        InvalidCursor,
        InvalidEventType,
        InvalidStatus,
        NotFound,
        RunNotFound,
        SchemaError,
        SessionNotFound,
        StorageConnectionFailed,
        StorageError,
        StorageReadFailed,
        StorageTimeout,
        StorageWriteFailed,
        ValidationError,
    )
    from asm.maintenance import MaintenanceReport, RetentionPolicy
    from asm.query import ExportSummary, SessionExport
    from asm.records import Artifact, Event, ExecutionResult, Run, Session
    from asm.store.async_session_store import AsyncSessionStore, connect_async
    from asm.store.session_store import SessionStore, connect

_HOMES: dict[str, str] = {
    "ArtifactStats": "asm.artifacts",
    "MigrationStatus": "asm.migrations",
    "break_migration_lock": "asm.migrations",
    "migrate": "asm.migrations",
    "migration_status": "asm.migrations",
    "rollback": "asm.migrations",
    "EventType": "asm.enums",
    "RunStatus": "asm.enums",
    "SessionStatus": "asm.enums",
    "AlreadyExists": "asm.errors",
    "AsmError": "asm.errors",
    "ConflictError": "asm.errors",
    "InvalidCursor": "asm.errors",
    "InvalidEventType": "asm.errors",
    "InvalidStatus": "asm.errors",
    "NotFound": "asm.errors",
    "RunNotFound": "asm.errors",
    "SchemaError": "asm.errors",
    "SessionNotFound": "asm.errors",
    "StorageConnectionFailed": "asm.errors",
    "StorageError": "asm.errors",
    "StorageReadFailed": "asm.errors",
    "StorageTimeout": "asm.errors",
    "StorageWriteFailed": "asm.errors",
    "ValidationError": "asm.errors",
    "MaintenanceReport": "asm.maintenance",
    "RetentionPolicy": "asm.maintenance",
    "ExportSummary": "asm.query",
    "SessionExport": "asm.query",
    "Artifact": "asm.records",
    "Event": "asm.records",
    "ExecutionResult": "asm.records",
    "Run": "asm.records",
    "Session": "asm.records",
    "AsyncSessionStore": "asm.store.async_session_store",
    "connect_async": "asm.store.async_session_store",
    "SessionStore": "asm.store.session_store",
    "connect": "asm.store.session_store",
}

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists", "Artifact", "ArtifactStats", "AsmError", "AsyncSessionStore", "ConflictError", "Event", "EventType",
    "ExecutionResult", "ExportSummary", "InvalidCursor", "InvalidEventType", "InvalidStatus", "MaintenanceReport", "MigrationStatus",
    "NotFound", "RetentionPolicy", "Run", "RunNotFound", "RunStatus", "SchemaError", "Session", "SessionExport", "SessionNotFound",
    "SessionStatus", "SessionStore", "StorageConnectionFailed", "StorageError",
    "StorageReadFailed", "StorageTimeout", "StorageWriteFailed", "ValidationError", "connect", "connect_async", "migrate",
    "migration_status", "rollback", "break_migration_lock",
]


if not TYPE_CHECKING:  # type checkers read the imports above; only the interpreter needs this
    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is not None:
            value = getattr(importlib.import_module(home), name)
            globals()[name] = value  # later lookups skip this function
            return value
        if not name.startswith("__"):
            # A submodule (`asm.errors` after a bare `import asm`), as when this file imported them all.
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
