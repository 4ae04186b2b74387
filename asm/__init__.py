"""asm: SQL-first persistence for AI-agent sessions on PostgreSQL, SQLite and MySQL/MariaDB."""

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

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists", "Artifact", "ArtifactStats", "AsmError", "AsyncSessionStore", "ConflictError", "Event", "EventType",
    "ExecutionResult", "ExportSummary", "InvalidCursor", "InvalidEventType", "InvalidStatus", "MaintenanceReport", "MigrationStatus",
    "NotFound", "RetentionPolicy", "Run", "RunNotFound", "RunStatus", "SchemaError", "Session", "SessionExport", "SessionNotFound",
    "SessionStatus", "SessionStore", "StorageConnectionFailed", "StorageError",
    "StorageReadFailed", "StorageTimeout", "StorageWriteFailed", "ValidationError", "connect", "connect_async", "migrate",
    "migration_status", "rollback", "break_migration_lock",
]
