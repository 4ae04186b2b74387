"""Session/run statuses and event types, and the one parser every API uses for them."""

from __future__ import annotations

import reprlib
from enum import Enum, StrEnum
from functools import cache
from typing import TypeVar

from asm.errors import InvalidEventType, InvalidStatus, ValidationError

__all__ = ["SessionStatus", "RunStatus", "EventType", "parse_enum"]

E = TypeVar("E", bound=Enum)


class SessionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @classmethod
    def terminal(cls) -> tuple[SessionStatus, ...]:
        return (cls.COMPLETED, cls.FAILED, cls.CANCELLED)


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"

    @classmethod
    def terminal(cls) -> tuple[RunStatus, ...]:
        return (cls.COMPLETED, cls.FAILED, cls.CANCELLED, cls.TIMEOUT)


class EventType(StrEnum):
    SESSION_CREATED = "session_created"
    SESSION_STARTED = "session_started"
    SESSION_PAUSED = "session_paused"
    SESSION_RESUMED = "session_resumed"
    SESSION_COMPLETED = "session_completed"
    SESSION_FAILED = "session_failed"
    SESSION_CANCELLED = "session_cancelled"
    RUN_STARTED = "run_started"
    RUN_COMPLETED = "run_completed"
    RUN_FAILED = "run_failed"
    RUN_CANCELLED = "run_cancelled"
    RUN_TIMEOUT = "run_timeout"
    MESSAGE_SENT = "message_sent"
    MESSAGE_RECEIVED = "message_received"
    MESSAGE_STREAMED = "message_streamed"
    TOOL_CALL_STARTED = "tool_call_started"
    TOOL_CALL_COMPLETED = "tool_call_completed"
    TOOL_CALL_FAILED = "tool_call_failed"
    ERROR_OCCURRED = "error_occurred"
    ERROR_RECOVERED = "error_recovered"
    TOKEN_USAGE_UPDATED = "token_usage_updated"
    TURN_COMPLETED = "turn_completed"
    WORKSPACE_SNAPSHOT_TAKEN = "workspace_snapshot_taken"
    WORKSPACE_DIFF_COMPUTED = "workspace_diff_computed"
    POLICY_VIOLATION = "policy_violation"

    @classmethod
    def session_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "session_")

    @classmethod
    def run_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "run_")

    @classmethod
    def message_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "message_")

    @classmethod
    def tool_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "tool_call_")

    @classmethod
    def error_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "error_")

    @classmethod
    def usage_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "token_usage_", "turn_")

    @classmethod
    def workspace_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "workspace_")

    @classmethod
    def policy_events(cls) -> tuple[EventType, ...]:
        return _with_prefix(cls, "policy_")


@cache
def _with_prefix(enum_cls: type[E], *prefixes: str) -> tuple[E, ...]:
    return tuple(member for member in enum_cls if member.value.startswith(prefixes))


@cache
def _by_value(enum_cls: type[E]) -> dict[str, E]:
    # enum_cls(value) costs ~4x more through EnumType.__call__; this is on the hot path.
    return {member.value: member for member in enum_cls}


_ERRORS: dict[type[Enum], type[ValidationError]] = {
    SessionStatus: InvalidStatus,
    RunStatus: InvalidStatus,
    EventType: InvalidEventType,
}


def parse_enum(enum_cls: type[E], value: object, field: str) -> E:
    """The member of `enum_cls` given as a member or as its exact value string.

    A member of another enum is refused even when its value matches: passing a RunStatus
    where a SessionStatus belongs is a bug worth reporting.
    """
    if type(value) is enum_cls:
        return value
    if isinstance(value, str) and not isinstance(value, Enum):
        member: E | None = _by_value(enum_cls).get(value)
        if member is not None:
            return member
    allowed = ", ".join(member.value for member in enum_cls)
    shown = reprlib.repr(value)
    error = _ERRORS.get(enum_cls, ValidationError)
    raise error(
        f"{field} must be one of {allowed}; got {shown}",
        details={"field": field, "value": shown},
    )
