"""Keyset cursors: base64url of a small JSON document naming the query it belongs to and the
sort key of the last row returned. Passing one back continues strictly after that row.

The document is `[body, tag]`: `body` is the JSON text `[2, query, [values...]]`, or
`[2, query, [values...], filters]` for a search with filters (a digest of the filter values:
a cursor continues only the search that made it, so reusing it with other filters is refused
rather than silently paging a different result set), and `tag` a 128-bit HMAC-SHA256 of it, keyed by `cursor_key`. A store given a secret signs with a key
derived from it, so only stores sharing that secret (every worker of one service, before and
after restarts) accept its cursors. Without a secret the key is built in: anyone can sign,
and the tag only catches edits and truncation.

So a tag is never trusted to vouch for the values: each one is checked by its kind (a
timestamp as asm writes it, an id, a UUID, a sequence number, a token sum) to be a value a row
can hold, and anything wrong, of any sort, is InvalidCursor. The values reach the database
only as bound parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from asm.core.database import Database
from asm.convert import format_timestamp, parse_timestamp
from asm.errors import InvalidCursor, ValidationError
from asm.records import text_problem

_VERSION = 2
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# The longest cursor asm writes is about 2,600 characters (a 255-character id of characters
# JSON escapes), under 5,000 with every character \u-escaped; anything longer is refused
# before it is decoded.
_MAX_LENGTH = 8192
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_TAG_BYTES = 16
_CONTEXT = b"asm keyset cursor v2"


def cursor_key(secret: str | bytes | None = None) -> bytes:
    """The HMAC key of every cursor: derived from a store's secret, or built in without one.

    The only source of key material; a secret is bound to this use by the context string.
    """
    if secret is None:
        return hashlib.sha256(_CONTEXT).digest()
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return hmac.new(material, _CONTEXT, hashlib.sha256).digest()


def check_cursor_secret(value: Any, name: str = "cursor_secret") -> bytes | None:
    """None (the built-in key), or a non-empty str or bytes secret, as bytes."""
    if value is None:
        return None
    if isinstance(value, str) and value and text_problem(value) is None:
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)) and value:
        return bytes(value)
    raise ValidationError(f"{name} must be None or a non-empty str or bytes", details={"field": name})


def store_secret(db: Database) -> bytes | None:
    """The cursor secret of the store running an operation; None when it has none."""
    return db.cursor_secret


def filters_digest(filters: Any) -> str | None:
    """A short digest of a search's filter values (None for a search without filters): JSON
    with sorted keys, so equal filters give equal digests whatever order they were built in. A
    filter left out (None) binds nothing, so an unfiltered search's cursor is as it always was."""
    if isinstance(filters, dict):
        filters = {name: value for name, value in filters.items() if value is not None} or None
    if filters is None:
        return None
    text = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_TAG_BYTES * 2]


def encode_cursor(query: str, key: tuple[Any, ...], secret: str | bytes | None = None,
                  filters: Any = None) -> str:
    """The cursor after the row whose sort key is `key` (str, int, float and aware datetime
    values), bound to `filters` (any JSON-able value; see filters_digest) when given."""
    values = [format_timestamp(v) if isinstance(v, datetime) else v for v in key]
    digest = filters_digest(filters)
    content = [_VERSION, query, values] + ([] if digest is None else [digest])
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    document = json.dumps([body, _tag(body, cursor_key(secret))], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: Any, query: str, kinds: tuple[str, ...],
                  secret: str | bytes | None = None, filters: Any = None) -> tuple[Any, ...]:
    """The sort key in `cursor`, checked to be signed with this secret's key, to belong to
    `query` with these `filters` and to hold one valid value of each kind ("timestamp", "id",
    "uuid", "sequence", "tokens")."""
    checks = [_KINDS[kind] for kind in kinds]
    try:
        cursor_query, values, digest = _open(cursor, cursor_key(secret))
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with it, it is not a cursor
        raise _malformed(cursor) from exc
    if cursor_query != query:
        raise InvalidCursor(
            f"the cursor belongs to another query or order ({_shown(cursor_query)}, not {query})",
            details={"cursor": _shown(cursor)},
        )
    if digest != filters_digest(filters):
        raise InvalidCursor(
            "the cursor belongs to a search with other filters: repeat the filters of the search "
            "that printed it, or leave the cursor out to start from the first page",
            details={"cursor": _shown(cursor)},
        )
    try:
        if len(values) != len(checks):
            raise ValueError("wrong number of values")
        return tuple(check(value) for check, value in zip(checks, values, strict=True))
    except Exception as exc:  # noqa: BLE001 - any failure of any check is a bad cursor
        raise _malformed(cursor) from exc


def _open(cursor: Any, key: bytes) -> tuple[Any, list[Any], str | None]:
    """(query, values, filters digest or None) of a cursor whose tag matches; raises on anything else."""
    if type(cursor) is not str or len(cursor) > _MAX_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise ValueError("not a cursor string")
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_int=_int)
    if type(document) is not list or len(document) != 2 or not all(type(part) is str for part in document):
        raise ValueError("not a [body, tag] document")
    body, tag = document
    if not hmac.compare_digest(tag.encode("utf-8"), _tag(body, key).encode("ascii")):
        raise ValueError("tag mismatch")
    content = json.loads(body, parse_constant=_no_constant, parse_int=_int)
    if type(content) is not list or len(content) not in (3, 4):
        raise ValueError("not a [version, query, values(, filters)] body")
    version, cursor_query, values, *rest = content
    digest = rest[0] if rest else None
    if type(version) is not int or version != _VERSION or type(cursor_query) is not str or type(values) is not list \
            or not (digest is None or type(digest) is str):
        raise ValueError("unknown cursor layout")
    return cursor_query, values, digest


def _tag(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).digest()[:_TAG_BYTES].hex()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")


def _int(text: str) -> int:
    # Nothing past 64 bits is a key; refusing long digit strings early also skips Python's
    # 4,300-digit conversion limit (a ValueError) and the time of converting them.
    if len(text.lstrip("-")) > 19:
        raise ValueError("integer out of range")
    return int(text)


# -- one check per kind of sort-key value --------------------------------------------------


def _timestamp(value: Any) -> datetime:
    """Exactly the text format_timestamp writes (so no offset can push it out of range)."""
    if type(value) is not str:
        raise ValueError("a timestamp is a string")
    parsed = parse_timestamp(value)
    if format_timestamp(parsed) != value:
        raise ValueError("not a timestamp as asm writes it")
    return parsed


def _id(value: Any) -> str:
    """An id any dialect can hold: 1 to 255 characters, no U+0000, no lone surrogate."""
    if type(value) is not str or not 1 <= len(value) <= 255 or text_problem(value):
        raise ValueError("not an id")
    return value


def _uuid(value: Any) -> str:
    """A graph session id: a UUID in the canonical form stored."""
    if type(value) is not str or len(value) != 36 or str(uuid.UUID(value)) != value:
        raise ValueError("not a canonical UUID")
    return value


def _sequence(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= _INT64_MAX:
        raise ValueError("not a sequence number")
    return value


def _tokens(value: Any) -> int | float:
    """A token sum: a 64-bit int or a finite float (bool is not a number here)."""
    if type(value) is int and _INT64_MIN <= value <= _INT64_MAX:
        return value
    if type(value) is float and math.isfinite(value):
        return value
    raise ValueError("not a token sum")


_KINDS: dict[str, Callable[[Any], Any]] = {
    "timestamp": _timestamp, "id": _id, "uuid": _uuid, "sequence": _sequence, "tokens": _tokens,
}


def token_key(value: int | float) -> int | float:
    """A token sum as a cursor carries it: a whole float too large for 64 bits (which the
    searches report as an int) goes back to the float it came from, which every dialect binds."""
    if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
        try:
            return float(value)
        except OverflowError:  # only a number written by hand past the float range (jsonb takes 1e400)
            return sys.float_info.max if value > 0 else -sys.float_info.max
    return value


def _malformed(cursor: Any) -> InvalidCursor:
    return InvalidCursor("the cursor is malformed or was altered", details={"cursor": _shown(cursor)})


def _shown(text: Any) -> str:
    """The cursor for a message: as is when it is base64url, else escaped (no NUL, newline or
    lone surrogate reaches a log or a terminal); at most 80 characters."""
    shown = text if isinstance(text, str) and _BASE64URL.fullmatch(text) else ascii(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."
