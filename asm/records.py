"""The persisted records (docs/behaviour.md#records-and-ids), validated when they are built.

Payload dicts are only type-checked here; their contents are checked and normalized
by `asm.convert` when a record is written.
"""

from __future__ import annotations

import re
import reprlib
from datetime import datetime
from functools import partial
from collections.abc import Callable
from typing import Any

import attrs

from asm.enums import EventType, RunStatus, SessionStatus, parse_enum
from asm.errors import ValidationError
from asm.ids import as_utc, new_id, utc_now

__all__ = ["Session", "Run", "Event", "Artifact", "ExecutionResult"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Field metadata key telling asm.convert how a field is stored: "enum", "datetime" or "json".
KIND = "asm_kind"

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored on every dialect, or None when it can.

    PostgreSQL holds no U+0000 in text or JSON; a lone surrogate has no UTF-8 encoding.
    """
    if "\x00" in value:
        return "contains U+0000"
    # isascii() is O(1); the regex only runs on non-ASCII text.
    if value.isascii() or _SURROGATE.search(value) is None:
        return None
    return "contains a lone surrogate"


def _fail(field: str, problem: str) -> ValidationError:
    return ValidationError(f"{field} {problem}", details={"field": field})


# --- validators and converters (each names the field in its error) ---


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _text(*, optional: bool = False, allow_empty: bool = False, max_len: int = 255) -> Validator:
    expected = (
        f"must be {'None or ' if optional else ''}a {'' if allow_empty else 'non-empty '}"
        f"string of at most {max_len} characters"
    )

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or len(value) > max_len or not (value or allow_empty):
            raise _fail(attribute.name, f"{expected}, got {reprlib.repr(value)}")
        problem = text_problem(value)
        if problem is not None:
            raise _fail(attribute.name, problem)

    return check


# turn_count and schema_version are INTEGER columns; counters and sizes are BIGINT.
INT32_MAX = 2**31 - 1


def _count(minimum: int, *, optional: bool = False, maximum: int = INT64_MAX) -> Validator:
    expected = f"must be {'None or ' if optional else ''}an int from {minimum} to {maximum}"

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        # bool is an int subclass, but True is never a meaningful count.
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if not (is_int and minimum <= value <= maximum):
            raise _fail(attribute.name, f"{expected}, got {reprlib.repr(value)}")

    return check


def _dict(*, optional: bool = False) -> Validator:
    expected = f"must be {'None or ' if optional else ''}a dict"

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not (isinstance(value, dict) or (value is None and optional)):
            raise _fail(attribute.name, f"{expected}, got {type(value).__name__}")

    return check


def _to_utc(value: Any, field: attrs.Attribute[Any]) -> datetime | None:
    if value is None and field.default is None:  # an optional timestamp
        return None
    if isinstance(value, datetime):
        try:
            return as_utc(value)
        except (ValueError, OverflowError) as exc:
            raise _fail(field.name, f"must be a timezone-aware datetime: {exc}") from None
    raise _fail(field.name, f"must be a timezone-aware datetime, got {reprlib.repr(value)}")


def _to_list(value: Any, field: attrs.Attribute[Any]) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    raise _fail(field.name, f"must be a list, got {type(value).__name__}")


def _to_str_list(value: Any, field: attrs.Attribute[Any]) -> list[str]:
    items = _to_list(value, field)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(field.name, f"must hold only strings; item {index} is {reprlib.repr(item)}")
        problem = text_problem(item)
        if problem is not None:
            raise _fail(field.name, f"item {index} {problem}")
    return items


# --- field definitions ---


def _id(prefix: str) -> Any:
    return attrs.field(factory=partial(new_id, prefix), validator=_text())


def _ref() -> Any:
    return attrs.field(validator=_text())


def _optional_ref() -> Any:
    return attrs.field(default=None, validator=_text(optional=True))


def _optional_text(max_len: int = 255) -> Any:
    check = _text(optional=True, allow_empty=True, max_len=max_len)
    return attrs.field(default=None, validator=check)


# Named one-argument converters, so type checkers read from them what __init__ takes: a
# member or its value string.
def _session_status(value: SessionStatus | str) -> SessionStatus:
    return parse_enum(SessionStatus, value, "status")


def _run_status(value: RunStatus | str) -> RunStatus:
    return parse_enum(RunStatus, value, "status")


def _event_type(value: EventType | str) -> EventType:
    return parse_enum(EventType, value, "type")


_ENUM = {KIND: "enum"}


# Aware UTC datetimes (None allowed where the field defaults to None); shared with asm.graph.
UTC_CONVERTER = attrs.Converter(_to_utc, takes_field=True)


def _timestamp(*, same_as: str | None = None) -> Any:
    # `same_as` lets updated_at default to created_at, so a new record has them equal.
    default: Any = (attrs.Factory(utc_now) if same_as is None
                    else attrs.Factory(lambda self: getattr(self, same_as), takes_self=True))
    return attrs.field(default=default, converter=UTC_CONVERTER, metadata={KIND: "datetime"})


def _optional_timestamp() -> Any:
    return attrs.field(default=None, converter=UTC_CONVERTER, metadata={KIND: "datetime"})


def _payload(*, optional: bool = False) -> Any:
    default: Any = None if optional else attrs.Factory(dict)
    return attrs.field(default=default, validator=_dict(optional=optional), metadata={KIND: "json"})


def _tags() -> Any:
    convert = attrs.Converter(_to_str_list, takes_field=True)
    return attrs.field(factory=list, converter=convert, metadata={KIND: "json"})


# --- records ---


@attrs.frozen(kw_only=True)
class Session:
    id: str = _id("ses")
    agent_id: str = _ref()
    status: SessionStatus = attrs.field(default=SessionStatus.PENDING, converter=_session_status, metadata=_ENUM)
    parent_session_id: str | None = _optional_ref()
    metadata: dict[str, Any] = _payload()
    context: dict[str, Any] = _payload()
    tags: list[str] = _tags()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(same_as="created_at")
    deleted_at: datetime | None = _optional_timestamp()

    @classmethod
    def new(cls, *, agent_id: str, **optional: Any) -> Session:
        return cls(agent_id=agent_id, **optional)

    def with_status(self, status: SessionStatus | str) -> Session:
        return attrs.evolve(self, status=status, updated_at=utc_now())


@attrs.frozen(kw_only=True)
class Run:
    id: str = _id("run")
    session_id: str = _ref()
    status: RunStatus = attrs.field(default=RunStatus.PENDING, converter=_run_status, metadata=_ENUM)
    input: dict[str, Any] | None = _payload(optional=True)
    output: dict[str, Any] | None = _payload(optional=True)
    error: dict[str, Any] | None = _payload(optional=True)
    metadata: dict[str, Any] = _payload()
    turn_count: int = attrs.field(default=0, validator=_count(0, maximum=INT32_MAX))
    token_usage: dict[str, Any] = _payload()
    started_at: datetime = _timestamp()
    ended_at: datetime | None = _optional_timestamp()
    provider: str | None = _optional_text()
    provider_metadata: dict[str, Any] = _payload()

    @classmethod
    def new(cls, *, session_id: str, **optional: Any) -> Run:
        return cls(session_id=session_id, **optional)

    def with_status(self, status: RunStatus | str) -> Run:
        return self._moved_to(parse_enum(RunStatus, status, "status"))

    def with_output(self, output: dict[str, Any]) -> Run:
        return self._moved_to(RunStatus.COMPLETED, output=output)

    def with_error(self, error: dict[str, Any]) -> Run:
        return self._moved_to(RunStatus.FAILED, error=error)

    def with_turn(self) -> Run:
        return attrs.evolve(self, turn_count=self.turn_count + 1)

    def with_token_usage(self, usage: dict[str, Any]) -> Run:
        if not isinstance(usage, dict):
            raise _fail("token_usage", f"must be a dict, got {type(usage).__name__}")
        merged = dict(self.token_usage)
        for key, value in usage.items():
            old = merged.get(key)
            merged[key] = old + value if _is_number(old) and _is_number(value) else value
        return attrs.evolve(self, token_usage=merged)

    def _moved_to(self, status: RunStatus, **changes: Any) -> Run:
        # ended_at follows the status: set on entering a terminal one, cleared otherwise.
        ended_at = utc_now() if status in RunStatus.terminal() else None
        return attrs.evolve(self, status=status, ended_at=ended_at, **changes)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@attrs.frozen(kw_only=True)
class Event:
    id: str = _id("evt")
    type: EventType = attrs.field(converter=_event_type, metadata=_ENUM)
    timestamp: datetime = _timestamp()
    session_id: str = _ref()
    run_id: str | None = _optional_ref()
    sequence_number: int | None = attrs.field(default=None, validator=_count(1, optional=True))
    provider: str | None = _optional_text()
    correlation_id: str | None = _optional_ref()
    data: dict[str, Any] = _payload()
    metadata: dict[str, Any] = _payload()
    schema_version: int = attrs.field(default=1, validator=_count(1, maximum=INT32_MAX))

    @classmethod
    def new(cls, *, type: EventType | str, session_id: str, **optional: Any) -> Event:
        return cls(type=type, session_id=session_id, **optional)


@attrs.frozen(kw_only=True)
class Artifact:
    id: str = _id("art")
    key: str = _ref()
    session_id: str | None = _optional_ref()
    run_id: str | None = _optional_ref()
    type: str | None = _optional_text()
    content_type: str | None = _optional_text()
    size_bytes: int = attrs.field(validator=_count(0))
    checksum_sha256: str | None = _optional_text()
    storage_backend: str | None = _optional_text()
    storage_ref: str | None = _optional_text(max_len=2048)
    metadata: dict[str, Any] = _payload()
    created_at: datetime = _timestamp()
    deleted_at: datetime | None = _optional_timestamp()

    @classmethod
    def new(cls, *, key: str, size_bytes: int, **optional: Any) -> Artifact:
        return cls(key=key, size_bytes=size_bytes, **optional)


def _events(value: list[Event] | tuple[Event, ...]) -> list[Event]:
    if isinstance(value, tuple):
        return list(value)
    if not isinstance(value, list):
        raise _fail("events", f"must be a list, got {type(value).__name__}")
    return value


@attrs.frozen
class ExecutionResult:
    """What one agent execution produced; `store.flush` saves it in one transaction."""

    session: Session
    run: Run
    events: list[Event] = attrs.field(converter=_events)
    provider_metadata: dict[str, Any] = _payload()
