"""The project's one cattrs converter, and the JSON payload rules of CONTRACT §3."""

from __future__ import annotations

import math
import reprlib
from datetime import date, datetime
from enum import Enum
from functools import cache, partial
from typing import Any, TypeVar
from uuid import UUID

import attrs
import cattrs

from asm.errors import ValidationError
from asm.ids import as_utc
from asm.records import INT64_MAX, INT64_MIN, KIND, Artifact, Event, Run, Session, text_problem

__all__ = [
    "converter",
    "normalize_json",
    "field_kinds",
    "format_timestamp",
    "parse_timestamp",
    "record_to_dict",
    "record_from_dict",
]

T = TypeVar("T")

# MariaDB's JSON_VALID refuses documents with more than 31 nested arrays/objects; the limit
# also stops a self-referencing dict before it exhausts the stack.
MAX_DEPTH = 31


# --- timestamps ---


def format_timestamp(dt: datetime) -> str:
    """Fixed-width UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (so text order is time order)."""
    # isoformat of a UTC datetime always ends in "+00:00".
    return as_utc(dt).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    """Aware UTC datetime from ISO 8601 text with `Z` or an offset; ValueError if naive."""
    return as_utc(datetime.fromisoformat(text))


# --- payload rules ---


class _Rejected(Exception):
    """A value breaking the rules; path segments are collected innermost first on the way out."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.segments: list[str] = []


def normalize_json(value: Any, path: str) -> Any:
    """`value` as plain JSON (dict/list/str/int/float/bool/None), or ValidationError.

    `path` names the value in errors (`data` -> `data.items[3].when`).
    """
    try:
        return _normalize(value, 0)
    except _Rejected as exc:
        where = path + "".join(reversed(exc.segments))
        raise ValidationError(
            f"{where}: {exc.reason}", details={"field": path, "path": where}
        ) from None


def _normalize(value: Any, depth: int) -> Any:
    # Exact-type checks first: they cover nearly every value, and keep StrEnum/IntEnum
    # members (str/int subclasses) for the slow path, where they become their value.
    cls = type(value)
    if cls is str:
        problem = text_problem(value)
        if problem is not None:
            raise _Rejected(f"string {problem}")
        return value
    if value is None or cls is bool:
        return value
    if cls is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value
        raise _Rejected(f"integer {reprlib.repr(value)} is outside the signed 64-bit range")
    if cls is float:
        if math.isfinite(value):
            return value
        raise _Rejected(f"{value!r} is not a finite number")
    if cls is dict or cls is list or cls is tuple:
        return _container(value, depth + 1)
    return _convert(value, depth)


def _container(value: dict | list | tuple, depth: int) -> dict | list:
    if depth > MAX_DEPTH:
        raise _Rejected(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            key = _key(key)
            try:
                out[key] = _normalize(item, depth)
            except _Rejected as exc:
                exc.segments.append("." + key)
                raise
        if len(out) != len(value):
            raise _Rejected("keys collide once int keys become strings")
        return out
    items = []
    for index, item in enumerate(value):
        try:
            items.append(_normalize(item, depth))
        except _Rejected as exc:
            exc.segments.append(f"[{index}]")
            raise
    return items


def _key(key: Any) -> str:
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, str):
        problem = text_problem(key)
        if problem is not None:
            raise _Rejected(f"key {reprlib.repr(key)} {problem}")
        return str.__str__(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return int.__repr__(key)
    raise _Rejected(f"key {reprlib.repr(key)} is not a string or an int")


def _convert(value: Any, depth: int) -> Any:
    """Subclasses of the JSON types and the few other types the rules convert."""
    if isinstance(value, Enum):
        return _normalize(value.value, depth)
    if isinstance(value, (dict, list, tuple)):
        return _container(value, depth + 1)
    # Plain copies: a subclass may carry behaviour (or a __str__) that JSON would not keep.
    if isinstance(value, str):
        return _normalize(str.__str__(value), depth)
    if isinstance(value, int):  # bool cannot be subclassed, so this is a real int
        return _normalize(int.__int__(value), depth)
    if isinstance(value, float):
        return _normalize(float.__float__(value), depth)
    if isinstance(value, datetime):
        try:
            return format_timestamp(value)
        except (ValueError, OverflowError) as exc:
            raise _Rejected(f"datetime {value.isoformat()} is not storable: {exc}") from None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise _Rejected(f"{type(value).__name__} is not a JSON value")


# --- records ---


@cache
def field_kinds(cls: type) -> tuple[tuple[str, str | None, bool], ...]:
    """(name, kind, required) of each field of a record class."""
    return tuple(
        (f.name, f.metadata.get(KIND), f.default is attrs.NOTHING) for f in attrs.fields(cls)
    )


def record_to_dict(record: Any) -> dict[str, Any]:
    """Field name -> value: enums as value strings, payloads normalized, datetimes kept aware."""
    out = {}
    for name, kind, _required in field_kinds(type(record)):
        value = getattr(record, name)
        if kind == "json":
            value = normalize_json(value, name)
        elif kind == "enum":
            value = value.value
        out[name] = value
    return out


def record_from_dict(cls: type[T], values: dict[str, Any]) -> T:
    """The record `cls` built from a `record_to_dict`-shaped dict.

    Keys that are not fields are ignored; a missing field takes its default unless it is
    required. Datetime fields also accept timestamp text (as `parse_timestamp` reads it).
    """
    kwargs = {}
    for name, kind, required in field_kinds(cls):
        if name not in values:
            if required:
                raise ValidationError(f"{name} is missing", details={"field": name})
            continue
        value = values[name]
        if kind == "datetime" and isinstance(value, str):
            try:
                value = parse_timestamp(value)
            except ValueError as exc:
                raise ValidationError(
                    f"{name} is not a timestamp with a timezone: {exc}", details={"field": name}
                ) from None
        kwargs[name] = value
    return cls(**kwargs)


@cache
def stored_field_steps(cls: type) -> tuple[tuple[str, str | None, Any, Any], ...]:
    """(name, kind, converter, payload check) per field of `cls`: how a record is built from
    the decoded values of a stored row (asm.db.rows.from_row), several times faster than
    through its __init__.

    The columns' types hold what the fields' text and range checks checked when the row was
    written, so those are skipped. Converters still run (enums are parsed, timestamps made
    UTC) and payloads are still checked for their shape.
    """
    steps = []
    for field in attrs.fields(cls):
        convert = check = None
        if isinstance(field.converter, attrs.Converter):
            assert not field.converter.takes_self, field
            convert = (partial(_convert_field, field.converter.converter, field)
                       if field.converter.takes_field else field.converter.converter)
        elif field.converter is not None:
            convert = field.converter
        kind = field.metadata.get(KIND)
        if field.validator is not None and kind == "json":
            check = partial(field.validator, None, field)
        steps.append((field.name, kind, convert, check))
    return tuple(steps)


def _convert_field(convert: Any, field: attrs.Attribute, value: Any) -> Any:
    return convert(value, field)


def _structure_record(values: dict[str, Any], cls: type[T]) -> T:
    return record_from_dict(cls, values)


converter = cattrs.Converter(detailed_validation=False)
for _record_cls in (Session, Run, Event, Artifact):
    converter.register_unstructure_hook(_record_cls, record_to_dict)
    converter.register_structure_hook(_record_cls, _structure_record)
del _record_cls
