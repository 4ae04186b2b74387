"""How each dialect stores timestamps, JSON and lists, and which SQL features it has.

Values cross the driver boundary in these forms, so the operations above never
branch on driver details.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from asm.convert.json_text import decode, dumps, dumps_utf8
from asm.convert.timestamps import format_timestamp, parse_timestamp

_UTC = timezone.utc
_fromisoformat = datetime.fromisoformat
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

class BinaryArray(list[Any]):
    """A list parameter PostgreSQL gets as a binary array (asm's connections register its
    dumper, asm/drivers/postgres.py): a batch's columns and id lists. psycopg writes a plain list
    in text, quoting every element in Python, which made `unnest` over 1,000-row columns slower
    than the JSON document it replaces."""


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
        return None if value is None else dumps(value)

    # A plain function, not a method: it is called for every JSON column of every row read.
    decode_json = staticmethod(decode)

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
# Finding "a digit, then e, then a digit or a sign" at C speed: each byte mapped to its class
# (digit "1", e or E "e", sign "s", anything else "0"), then two plain substring searches.
_BYTE_CLASSES = bytes(
    ord("1") if chr(b).isdigit() and b < 128 else ord("e") if b in b"eE" else ord("s") if b in b"+-" else ord("0")
    for b in range(256))


def _maybe_exponent(data: bytes) -> bool:
    """Whether `data` may hold a number in exponent form (or a string that looks like one)."""
    classes = data.translate(_BYTE_CLASSES)
    return b"1e1" in classes or b"1es" in classes


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
        data = dumps_utf8(value)
        # The rewrite calls back into Python for every string of the document; skip it when no
        # number in exponent form can be there (one has a digit, then e, then a digit or sign).
        text = data.decode()
        return _JSON_TOKEN.sub(_positional, text) if _maybe_exponent(data) else text

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        return None if value is None else value.astimezone(_UTC)

    def encode_list(self, values: list[str]) -> Any:
        return list(values)

    def encode_ids(self, values: list[str]) -> Any:
        return BinaryArray(values)


class SQLite(Dialect):
    name = "sqlite"
    no_limit = -1
    # Taking the write lock at BEGIN avoids the deadlock of two readers upgrading at once.
    begin_write = "BEGIN IMMEDIATE"

    def encode_ts(self, value: datetime | None) -> Any:
        return None if value is None else format_timestamp(value)

    def decode_ts(self, value: Any, _type: Any = None) -> datetime | None:
        if value is None:
            return None
        # asm writes `...Z`, which fromisoformat reads as UTC itself; other text is converted.
        moment = _fromisoformat(value)
        return moment if moment.tzinfo is _UTC else parse_timestamp(value)


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
