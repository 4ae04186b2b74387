"""Keyset cursors: base64url of a small JSON document naming the query it belongs to and the
sort key of the last row returned. Passing one back continues strictly after that row.

A cursor carries a short digest of its content, so a truncated or edited one is refused
with InvalidCursor. It is not a secret and not signed: its values only ever reach the
database as bound parameters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from asm.convert import format_timestamp, parse_timestamp
from asm.errors import InvalidCursor

_VERSION = 1


def encode_cursor(query: str, key: tuple[Any, ...]) -> str:
    """The cursor after the row whose sort key is `key` (str, int and aware datetime values)."""
    values = [format_timestamp(v) if isinstance(v, datetime) else v for v in key]
    body = json.dumps([_VERSION, query, values], separators=(",", ":"))
    document = json.dumps([body, _digest(body)], separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_cursor(cursor: Any, query: str, types: tuple[type, ...]) -> tuple[Any, ...]:
    """The sort key in `cursor`, checked to belong to `query` and to have these value types."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body, digest = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        if digest != _digest(body):
            raise ValueError("digest mismatch")
        version, cursor_query, values = json.loads(body)
        if version != _VERSION or len(values) != len(types):
            raise ValueError("unknown cursor layout")
        key = tuple(_typed(value, kind) for value, kind in zip(values, types, strict=True))
    except (TypeError, ValueError, UnicodeError, binascii.Error, AttributeError) as exc:
        raise InvalidCursor("the cursor is malformed or was altered", details={"cursor": _shown(cursor)}) from exc
    if cursor_query != query:
        raise InvalidCursor(
            f"the cursor belongs to another query or order ({cursor_query}, not {query})",
            details={"cursor": _shown(cursor)},
        )
    return key


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime:
        return parse_timestamp(value)
    if type(value) is not kind:
        raise ValueError(f"expected {kind.__name__}")
    return value


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _shown(cursor: Any) -> str:
    text = cursor if isinstance(cursor, str) else repr(cursor)
    return text if len(text) <= 80 else text[:77] + "..."
