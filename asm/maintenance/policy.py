"""RetentionPolicy (validated when built) and MaintenanceReport."""

from __future__ import annotations

from typing import Any

import attrs

from asm.enums import EventType, SessionStatus, parse_enum
from asm.errors import ValidationError


def _positive(optional: bool) -> Any:
    def check(_instance: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value is None and optional:
            return
        if type(value) is not int or value < 1:
            raise ValidationError(f"{attribute.name} must be {'None or ' if optional else ''}an int >= 1, not {value!r}",
                                  details={"field": attribute.name})
    return check


def _members(enum_cls: type) -> Any:
    def convert(value: Any, field: attrs.Attribute) -> tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
            raise ValidationError(f"{field.name} must be a list", details={"field": field.name})
        return tuple(parse_enum(enum_cls, v, field.name) for v in value)
    return attrs.Converter(convert, takes_field=True)


def _strings(value: Any, field: attrs.Attribute) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)) \
            or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{field.name} must be a list of strings", details={"field": field.name})
    return tuple(value)


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """What maintenance removes. None means "no limit". Day counts are positive ints."""

    max_session_age_days: int | None = attrs.field(default=None, validator=_positive(True))
    max_completed_session_age_days: int | None = attrs.field(default=90, validator=_positive(True))
    hard_delete_after_days: int | None = attrs.field(default=30, validator=_positive(True))
    max_events_per_session: int | None = attrs.field(default=None, validator=_positive(True))
    max_total_events: int | None = attrs.field(default=None, validator=_positive(True))
    exempt_statuses: tuple[SessionStatus, ...] = attrs.field(
        default=(SessionStatus.ACTIVE, SessionStatus.PAUSED), converter=_members(SessionStatus))
    exempt_tags: tuple[str, ...] = attrs.field(default=("pinned",), converter=attrs.Converter(_strings, takes_field=True))
    prune_event_types_first: tuple[EventType, ...] = attrs.field(
        default=(EventType.MESSAGE_STREAMED, EventType.TOKEN_USAGE_UPDATED), converter=_members(EventType))
    protected_event_types: tuple[EventType, ...] = attrs.field(
        default=(EventType.SESSION_CREATED, EventType.ERROR_OCCURRED, EventType.RUN_FAILED),
        converter=_members(EventType))
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
