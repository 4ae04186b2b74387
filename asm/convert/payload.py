"""The JSON payload rules: what a payload field may hold, and its plain JSON form.

Kept as they are: str, int, float, bool, None, lists, dicts with str keys. Converted: an enum
becomes its value, an aware datetime fixed-width UTC text (`format_timestamp`), a date ISO text,
a UUID its str, a tuple a list, an int key its str. Refused, naming the path of the value: any
other type (set, bytes, Decimal, a naive datetime, an object), NaN and infinities, strings with
U+0000 or a lone surrogate, ints outside signed 64-bit, nesting deeper than MAX_DEPTH, keys that
collide once int keys become strings.

`unstructure_payload` is the converters' hook for payload fields (asm/convert/records.py): it
raises cattrs' error groups (asm/convert/errors.py), so the path of a refused value is read
from cattrs' notes.
"""

from __future__ import annotations

import math
import reprlib
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from asm.convert.errors import HOOK_ERRORS, NotJson, in_item, record_error
from asm.convert.timestamps import format_timestamp
from asm.records import INT64_MAX, INT64_MIN, text_problem

__all__ = ["MAX_DEPTH", "unstructure_payload", "normalize_json"]

# MariaDB's JSON_VALID refuses documents with more than 31 nested arrays/objects; the limit
# also stops a self-referencing dict before it exhausts the stack.
MAX_DEPTH = 31


def normalize_json(value: Any, path: str) -> Any:
    """`value` as plain JSON (dict/list/str/int/float/bool/None), or ValidationError.

    `path` names the value in errors (`data` -> `data.items[3].when`).
    """
    try:
        return unstructure_payload(value)
    except HOOK_ERRORS as exc:
        raise record_error(exc, path) from None


def unstructure_payload(value: Any, depth: int = 0) -> Any:
    """`value` as plain JSON; `depth` containers already hold it. Raises NotJson, or cattrs'
    IterableValidationError noting the index or key of the item that broke the rules."""
    # Exact-type checks first: they cover nearly every value, and keep StrEnum/IntEnum
    # members (str/int subclasses) for the slow path, where they become their value.
    cls = type(value)
    if cls is str:
        problem = text_problem(value)
        if problem is not None:
            raise NotJson(f"string {problem}")
        return value
    if value is None or cls is bool:
        return value
    if cls is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value
        raise NotJson(f"integer {reprlib.repr(value)} is outside the signed 64-bit range")
    if cls is float:
        if math.isfinite(value):
            return value
        raise NotJson(f"{value!r} is not a finite number")
    if cls is dict or cls is list or cls is tuple:
        return _container(value, depth + 1)
    return _convert(value, depth)


def _container(value: dict[Any, Any] | list[Any] | tuple[Any, ...], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NotJson(f"nested deeper than {MAX_DEPTH} levels")
    # ASCII strings without U+0000, None, bools and ints in range are kept as they are without
    # a call: most keys and values of a payload (what text_problem and unstructure_payload
    # would let through).
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or "\x00" in key:
                key = _key(key)
            kind = type(item)
            if ((kind is str and item.isascii() and "\x00" not in item) or item is None or kind is bool
                    or (kind is int and INT64_MIN <= item <= INT64_MAX)):
                out[key] = item
                continue
            try:
                out[key] = unstructure_payload(item, depth)
            except HOOK_ERRORS as exc:
                raise in_item(exc, key, dict) from None
        if len(out) != len(value):
            raise NotJson("keys collide once int keys become strings")
        return out
    items = []
    for index, item in enumerate(value):
        kind = type(item)
        if ((kind is str and item.isascii() and "\x00" not in item) or item is None or kind is bool
                or (kind is int and INT64_MIN <= item <= INT64_MAX)):
            items.append(item)
            continue
        try:
            items.append(unstructure_payload(item, depth))
        except HOOK_ERRORS as exc:
            raise in_item(exc, index, list) from None
    return items


def _key(key: Any) -> str:
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, str):
        problem = text_problem(key)
        if problem is not None:
            raise NotJson(f"key {reprlib.repr(key)} {problem}")
        return str.__str__(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return int.__repr__(key)
    raise NotJson(f"key {reprlib.repr(key)} is not a string or an int")


def _convert(value: Any, depth: int) -> Any:
    """Subclasses of the JSON types and the few other types the rules convert."""
    if isinstance(value, Enum):
        return unstructure_payload(value.value, depth)
    if isinstance(value, (dict, list, tuple)):
        return _container(value, depth + 1)
    # Plain copies: a subclass may carry behaviour (or a __str__) that JSON would not keep.
    if isinstance(value, str):
        return unstructure_payload(str.__str__(value), depth)
    if isinstance(value, int):  # bool cannot be subclassed, so this is a real int
        return unstructure_payload(int.__int__(value), depth)
    if isinstance(value, float):
        return unstructure_payload(float.__float__(value), depth)
    if isinstance(value, datetime):
        try:
            return format_timestamp(value)
        except (ValueError, OverflowError) as exc:
            raise NotJson(f"datetime {value.isoformat()} is not storable: {exc}") from None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise NotJson(f"{type(value).__name__} is not a JSON value")
