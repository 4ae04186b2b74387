"""Checks on the arguments of public methods, shared by the sync and async APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from asm.enums import parse_enum
from asm.errors import ValidationError
from asm.records import INT64_MAX, text_problem

T = TypeVar("T")


def require_record(value: Any, cls: type[T], name: str) -> T:
    if not isinstance(value, cls):
        raise ValidationError(
            f"{name} must be an asm.{cls.__name__}, not {type(value).__name__}",
            details={"field": name},
        )
    return value


def require_id(value: Any, name: str = "id") -> str:
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValidationError(
            f"{name} must be a non-empty string of at most 255 characters", details={"field": name}
        )
    # Text no dialect can hold (so no stored id has it) fails here, not in the driver.
    if problem := text_problem(value):
        raise ValidationError(f"{name} {problem}", details={"field": name})
    return value


def optional_id(value: Any, name: str) -> str | None:
    return None if value is None else require_id(value, name)


def optional_count(value: Any, name: str) -> int | None:
    """None, or an int >= 0 (limits, offsets, sequence bounds) that fits the 64-bit columns."""
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= INT64_MAX:
        raise ValidationError(f"{name} must be an int from 0 to 2**63 - 1, not {value!r}", details={"field": name})
    return value


def optional_positive_int(value: Any, name: str) -> int | None:
    """None ("no limit"), or an int >= 1 (size limits)."""
    if value is not None and (type(value) is not int or value < 1):
        raise ValidationError(f"{name} must be an int >= 1 or None, not {value!r}", details={"field": name})
    return value


def optional_datetime(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{name} must be a timezone-aware datetime, not {value!r}", details={"field": name}
        )
    return value


def optional_enum(enum_cls: type[T], value: Any, name: str) -> T | None:
    return None if value is None else parse_enum(enum_cls, value, name)


def enum_list(enum_cls: type[T], value: Any, name: str) -> list[T] | None:
    """One member or value, or a list of them; None and [] mean "no filter"."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        members = [parse_enum(enum_cls, item, name) for item in value]
        return members or None
    return [parse_enum(enum_cls, value, name)]
