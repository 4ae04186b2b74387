"""The QueryAPI (docs/behaviour.md#queries): cross-session search, statistics, usage, export and import."""

from asm.query.export import SessionExport
from asm.query.export_stream import ExportSummary
from asm.query.records import EventPage, ProviderUsage, RunPage, SessionPage, SessionStats, UsageSummary

__all__ = ["EventPage", "ExportSummary", "ProviderUsage", "RunPage", "SessionExport", "SessionPage", "SessionStats", "UsageSummary"]
