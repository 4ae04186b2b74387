"""The text form of asm's timestamps: fixed-width UTC, so that text order is time order."""

from __future__ import annotations

from datetime import datetime

from asm.ids import as_utc

__all__ = ["format_timestamp", "parse_timestamp"]


def format_timestamp(dt: datetime) -> str:
    """Fixed-width UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`; ValueError for a naive datetime."""
    # isoformat of a UTC datetime always ends in "+00:00".
    return as_utc(dt).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    """Aware UTC datetime from ISO 8601 text with `Z` or an offset; ValueError if naive."""
    return as_utc(datetime.fromisoformat(text))
