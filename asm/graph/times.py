"""The RFC 3339 times of graph chat messages, as the Rust graph library (chrono's serde; docs/origins.md) writes them.

Written: UTC with a `Z`, and 0, 3 or 6 fractional digits (none when the microseconds are 0,
milliseconds when they are a whole number of milliseconds, else microseconds). Read: any RFC
3339 form (`Z`/`z` or an offset, `T`/`t`/space, any number of fractional digits); digits beyond
the sixth are truncated, as Python datetimes hold microseconds. So a document written with 0, 3
or 6 digits re-saves with the same strings; one with 9 (nanoseconds) re-saves with 6. A leap
second (`:60`) is not read.
"""

from __future__ import annotations

import re
import reprlib
from datetime import datetime, timedelta, timezone
from typing import Any

from asm.ids import as_utc

__all__ = ["format_message_time", "parse_message_time"]


def format_message_time(value: datetime) -> str:
    """RFC 3339 UTC text as chrono's serde writes it: `Z`, and 0, 3 or 6 fractional digits.

    ValueError for a naive datetime.
    """
    if value.tzinfo is not timezone.utc:
        value = as_utc(value)
    micro = value.microsecond
    digits = "seconds" if micro == 0 else "milliseconds" if micro % 1000 == 0 else "microseconds"
    # isoformat, not strftime: it always writes a four-digit year. It ends in +00:00 here.
    return value.isoformat(timespec=digits)[:-6] + "Z"


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def parse_message_time(text: Any) -> datetime:
    """Aware UTC datetime from RFC 3339 text; digits past microseconds are truncated.

    ValueError for anything else (no offset, a leap second, an impossible date, not a str).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected an RFC 3339 string, got {reprlib.repr(text)}")
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{reprlib.repr(text)} does not have the form YYYY-MM-DDTHH:MM:SS[.f]Z|±HH:MM"
        )
    year, month, day, hour, minute, second, digits, zulu, sign, off_h, off_m = match.groups()
    micro = int((digits or "")[:6].ljust(6, "0"))
    if zulu:
        tz = timezone.utc
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{reprlib.repr(text)}: the UTC offset is out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return as_utc(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{reprlib.repr(text)}: {exc}") from None
