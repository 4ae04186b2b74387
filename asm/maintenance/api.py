"""The maintenance API, listed once for `store.maintenance` on both store kinds."""

from __future__ import annotations

from asm.db.api import OperationTable, async_method, sync_method
from asm.maintenance import operations, procedures


class MaintenanceOperations(OperationTable):
    """The operations of CONTRACT §6."""

    execute = procedures.execute
    soft_delete_expired_sessions = procedures.soft_delete_expired_sessions
    hard_delete_expired_sessions = procedures.hard_delete_expired_sessions
    prune_session_events = procedures.prune_session_events
    clean_orphaned_artifacts = procedures.clean_orphaned_artifacts
    clean_orphaned_sequences = procedures.clean_orphaned_sequences
    health_check = operations.health_check


class Maintenance(MaintenanceOperations, wrap=sync_method):
    """`store.maintenance` of a SessionStore."""


class AsyncMaintenance(MaintenanceOperations, wrap=async_method):
    """`store.maintenance` of an AsyncSessionStore."""
