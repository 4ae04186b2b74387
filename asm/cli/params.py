"""Option types the commands share: timestamps as asm writes them (and as people type them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import click


class Timestamp(click.ParamType[datetime, Any]):
    """ISO 8601: `2026-12-07`, `2026-12-07T13:04:29`, `...Z`, `...+02:00`, with any fraction of a
    second; what `--json` prints is read back as it is. No offset means UTC; a plain date is
    midnight UTC of that day."""

    name = "timestamp"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        text = str(value).strip()
        try:
            if len(text) == 10:  # a plain date: its first instant, in UTC
                return datetime.combine(date.fromisoformat(text), time(), UTC)
            # Python 3.11 reads `Z`, offsets, a space for `T` and 1-6 digits of fraction.
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not an ISO 8601 date or time (e.g. 2026-12-07, 2026-12-07T13:04:29Z, "
                      "2026-12-07T15:04:29+02:00)", param, ctx)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


TIMESTAMP = Timestamp()


def event_type_choice() -> click.Choice[str]:
    """The event types, validated, shown as TYPE (the list is in the option's help)."""
    from asm.enums import EventType

    return click.Choice([t.value for t in EventType])


def event_types_help(what: str) -> str:
    from asm.enums import EventType

    return f"{what} (repeatable). TYPE is one of: {', '.join(t.value for t in EventType)}."
