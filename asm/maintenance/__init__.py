"""Retention and maintenance (CONTRACT §6): `store.maintenance`."""

from asm.maintenance.policy import MaintenanceReport, RetentionPolicy

__all__ = ["MaintenanceReport", "RetentionPolicy"]
