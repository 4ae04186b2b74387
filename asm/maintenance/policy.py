"""RetentionPolicy (validated when built) and MaintenanceReport."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeAlias, TypeVar

import attrs

from asm.enums import EventType, SessionStatus, parse_enum
from asm.arguments import positive_int, string_list
from asm.errors import ValidationError

E = TypeVar("E", SessionStatus, EventType)
# What a field of members takes: a list (tuple, set) of members or their values.
Members: TypeAlias = Sequence[E | str] | AbstractSet[E | str]


def _positive(optional: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        positive_int(value, attribute.name)
    return check


def _members(enum_cls: type[E], value: Any, name: str) -> tuple[E, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ValidationError(f"{name} must be a list", details={"field": name})
    return tuple(parse_enum(enum_cls, v, name) for v in value)


# One named function per field: mypy's attrs plugin reads a converter's signature only from
# a named function (not from an attrs.Converter), for the __init__ it shows callers.
def _exempt_statuses(value: Members[SessionStatus]) -> tuple[SessionStatus, ...]:
    return _members(SessionStatus, value, "exempt_statuses")


def _prune_event_types_first(value: Members[EventType]) -> tuple[EventType, ...]:
    return _members(EventType, value, "prune_event_types_first")


def _protected_event_types(value: Members[EventType]) -> tuple[EventType, ...]:
    return _members(EventType, value, "protected_event_types")


def _exempt_tags(value: Sequence[str] | AbstractSet[str]) -> tuple[str, ...]:
    return tuple(string_list(value, "exempt_tags"))


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """What maintenance removes. None means "no limit". Day counts are positive ints."""

    max_session_age_days: int | None = attrs.field(default=None, validator=_positive(True))
    max_completed_session_age_days: int | None = attrs.field(default=90, validator=_positive(True))
    hard_delete_after_days: int | None = attrs.field(default=30, validator=_positive(True))
    max_events_per_session: int | None = attrs.field(default=None, validator=_positive(True))
    max_total_events: int | None = attrs.field(default=None, validator=_positive(True))
    exempt_statuses: tuple[SessionStatus, ...] = attrs.field(
        default=(SessionStatus.ACTIVE, SessionStatus.PAUSED), converter=_exempt_statuses)
    exempt_tags: tuple[str, ...] = attrs.field(default=("pinned",), converter=_exempt_tags)
    prune_event_types_first: tuple[EventType, ...] = attrs.field(
        default=(EventType.MESSAGE_STREAMED, EventType.TOKEN_USAGE_UPDATED), converter=_prune_event_types_first)
    protected_event_types: tuple[EventType, ...] = attrs.field(
        default=(EventType.SESSION_CREATED, EventType.ERROR_OCCURRED, EventType.RUN_FAILED),
        converter=_protected_event_types)
    batch_size: int = attrs.field(default=1000, validator=_positive(False))


@attrs.frozen
class MaintenanceReport:
    sessions_soft_deleted: int
    sessions_hard_deleted: int
    events_pruned: int
    artifacts_cleaned: int
    orphaned_sequences_cleaned: int
    duration_ms: int
    errors: list[str]
    dry_run: bool
