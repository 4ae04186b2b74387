"""How each dialect stores timestamps, JSON and lists, and which SQL features it has.

Values cross the driver boundary in these forms, so the operations above never
branch on driver details.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from asm.convert.timestamps import format_timestamp, parse_timestamp

_UTC = timezone.utc
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

class Dialect:
    name: str
    # PostgreSQL can bump the counter and insert the event in one statement (a data-modifying CTE).
    appends_in_one_statement = False
    # INSERT/UPDATE ... RETURNING exists (not on MySQL).
    has_returning = True
    # What LIMIT takes for "no limit".
    no_limit: Any = None
    # How a writing transaction starts.
    begin_write = "BEGIN"
    # The database tells listeners of appends; elsewhere long polls re-read with a backoff.
    notifies_appends = False
    # The wire forms of timestamps and JSON. Each is also a hook of the dialect's cattrs row
    # converter (asm/convert/rows.py): decoders take the (ignored) target type cattrs passes.

    def encode_ts(self, value: datetime | None) -> Any:
        return value

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        return value  # type: ignore[no-any-return]

    def encode_json(self, value: Any) -> str | None:
        return None if value is None else _dumps(value)

    def decode_json(self, value: Any, _type: Any = None) -> Any:
        return json.loads(value) if isinstance(value, (str, bytes)) else value

    def encode_list(self, values: list[str]) -> Any:
        """A list parameter for a JSON-array filter (`types`)."""
        return _dumps(values)

    def encode_ids(self, values: list[str]) -> Any:
        """A list parameter for `id IN ...` lookups."""
        return _dumps(values)

    def __repr__(self) -> str:
        return f"<Dialect {self.name}>"


# A JSON string, or a number in exponent form (which only floats have).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?[eE][-+]?\d+)')
_MAYBE_EXPONENT = re.compile(r"\d[eE][-+\d]")


def _positional(match: re.Match[str]) -> str:
    number = match.group(1)
    return match.group(0) if number is None else _shortest_positional(number)


def _shortest_positional(number: str) -> str:
    """Python's shortest digits for the float, written without an exponent."""
    mantissa, exponent = number.lower().split("e")
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "")
    point = len(mantissa.lstrip("-").split(".")[0]) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}.0"
    return f"{sign}{digits[:point]}.{digits[point:]}"


class Postgres(Dialect):
    name = "postgres"
    appends_in_one_statement = True
    notifies_appends = True

    def encode_json(self, value: Any) -> str | None:
        # jsonb keeps numbers as numeric and prints 1e+300 as an integer; a positional float
        # with a decimal point comes back as the same float.
        if value is None:
            return None
        text = _dumps(value)
        # The rewrite calls back into Python for every string of the document; skip it when no
        # number in exponent form can be there (one has a digit, then e, then a digit or sign).
        return _JSON_TOKEN.sub(_positional, text) if _MAYBE_EXPONENT.search(text) else text

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        return None if value is None else value.astimezone(_UTC)

    def encode_list(self, values: list[str]) -> Any:
        return list(values)

    def encode_ids(self, values: list[str]) -> Any:
        return list(values)


class SQLite(Dialect):
    name = "sqlite"
    no_limit = -1
    # Taking the write lock at BEGIN avoids the deadlock of two readers upgrading at once.
    begin_write = "BEGIN IMMEDIATE"

    def encode_ts(self, value: datetime | None) -> Any:
        return None if value is None else format_timestamp(value)

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        return None if value is None else parse_timestamp(value)


# Every escape of a JSON text, in order (so `\\u001f`, an escaped backslash, is not one).
_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-f]{4})|.)")


def _upper_hex(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) is None else "\\u" + str(match.group(1)).upper()


class MySQL(Dialect):
    name = "mysql"
    has_returning = False
    no_limit = 2**64 - 1

    def encode_list(self, values: list[str]) -> Any:
        # Lists are read with JSON_TABLE (which decodes escapes either way) and, for tags, by
        # JSON_OVERLAPS, where MariaDB compares strings as escaped text with \u001F, not \u001f.
        return _JSON_ESCAPE.sub(_upper_hex, _dumps(values))

    encode_ids = encode_list

    def encode_ts(self, value: datetime | None) -> Any:
        # DATETIME(6) holds UTC wall time; a string keeps the microseconds on every driver.
        # isoformat pads the year to 4 digits (strftime's %Y writes year 69 as "69": read as 2069).
        return None if value is None else value.astimezone(_UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=_UTC)


DIALECTS: dict[str, Dialect] = {d.name: d for d in (Postgres(), SQLite(), MySQL())}
