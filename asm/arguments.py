"""Checks on the arguments of public methods and settings, shared by the sync and async APIs:
each raises ValidationError naming the argument (`details["field"]`), before any SQL runs."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from enum import Enum
from typing import Any, TypeAlias, TypeVar

from asm.enums import parse_enum
from asm.errors import ValidationError
from asm.records import INT64_MAX, text_problem

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

# What `enum_list` takes: one member or its value, or a collection of them.
EnumFilter: TypeAlias = E | str | Sequence[E | str] | AbstractSet[E | str] | None


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


def page_limit(value: Any, name: str = "limit") -> int:
    """A keyset page's size: an int >= 1 whose one-more probe (has_more reads limit + 1 rows)
    still fits the 64-bit LIMIT every dialect binds (2**63 - 1 overflowed SQLite's binding)."""
    if type(value) is not int or not 1 <= value < INT64_MAX:
        raise ValidationError(f"{name} must be an int from 1 to 2**63 - 2, not {value!r}", details={"field": name})
    return value


def positive_int(value: Any, name: str) -> int:
    """An int >= 1 (page sizes, batch sizes, steps); bool is not a count."""
    if type(value) is not int or value < 1:
        raise ValidationError(f"{name} must be an int >= 1, not {value!r}", details={"field": name})
    return value


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, not {value!r}", details={"field": name})
    return value


def text(value: Any, name: str, *, max_len: int | None = None, allow_empty: bool = False) -> str:
    """A string every dialect can store (no U+0000, no lone surrogate), of at most `max_len` characters."""
    if not isinstance(value, str) or (not value and not allow_empty) or (max_len and len(value) > max_len):
        limit = f" of at most {max_len} characters" if max_len else ""
        raise ValidationError(f"{name} must be a {'' if allow_empty else 'non-empty '}string{limit}",
                              details={"field": name})
    if problem := text_problem(value):
        raise ValidationError(f"{name} {problem}", details={"field": name})
    return value


def string_list(value: Any, name: str) -> list[str]:
    """A list (tuple, set) of strings every dialect can store; a lone string is not a list."""
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)) \
            or not all(isinstance(item, str) and not text_problem(item) for item in value):
        raise ValidationError(f"{name} must be a list of strings (without U+0000 or lone surrogates)",
                              details={"field": name})
    return list(value)


def optional_datetime(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{name} must be a timezone-aware datetime, not {value!r}", details={"field": name}
        )
    return value


def optional_enum(enum_cls: type[E], value: Any, name: str) -> E | None:
    return None if value is None else parse_enum(enum_cls, value, name)


def enum_list(enum_cls: type[E], value: Any, name: str) -> list[E] | None:
    """One member or value, or a list of them; None and [] mean "no filter"."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        members = [parse_enum(enum_cls, item, name) for item in value]
        return members or None
    return [parse_enum(enum_cls, value, name)]
