"""The JSON text of stored payloads, parsed and written fast.

msgspec parses in C, three to four times faster than the standard library, into the same
plain values (integers of any size stay exact). It refuses a few texts the standard library
reads (a lone surrogate escape, a number too large for a float, NaN): another writer may have
stored those, so a text msgspec refuses is parsed by the standard library instead, and every
stored value reads as it always did.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

__all__ = ["decode", "dumps", "dumps_utf8", "loads"]

_fast_loads = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
_standard_loads = json.JSONDecoder().decode
_Refused = msgspec.DecodeError


def loads(text: str | bytes) -> Any:
    """The value of a JSON text (str, or UTF-8 bytes as PostgreSQL sends them)."""
    try:
        return _fast_loads(text)
    except _Refused:
        return _standard_loads(text if type(text) is str else text.decode())  # type: ignore[union-attr]


def decode(value: Any, _type: Any = None) -> Any:
    """A JSON column's value: its text parsed, or what the driver parsed already (psycopg's
    jsonb, NULL) as it is. Also the hook of JSON columns (cattrs passes the target type)."""
    if type(value) is str or type(value) is bytes:
        try:
            return _fast_loads(value)
        except _Refused:
            return loads(value)
    return loads(value) if isinstance(value, (str, bytes)) else value


def dumps(value: Any) -> str:
    """The compact JSON text of a plain value (one the payload rules made plain: no NaN, str
    keys), as json.dumps(ensure_ascii=False, separators=(",", ":")) writes it, escapes alike,
    but for the form of floats in exponent notation (`1e16`, not `1e+16`): the same numbers.
    msgspec writes it about eight times faster."""
    return _encode(value).decode()


def dumps_utf8(value: Any) -> bytes:
    """`dumps` as UTF-8 bytes."""
    return _encode(value)
