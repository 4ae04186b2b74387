"""Retention and maintenance (docs/behaviour.md#maintenance): `store.maintenance`."""

from asm.maintenance.policy import MaintenanceReport, RetentionPolicy

__all__ = ["MaintenanceReport", "RetentionPolicy"]
