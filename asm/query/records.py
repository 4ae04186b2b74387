"""What the QueryAPI returns: pages with keyset cursors, statistics and usage summaries."""

from __future__ import annotations

from datetime import datetime

import attrs

from asm.records import Event, Run, Session


@attrs.frozen
class SessionPage:
    sessions: list[Session]
    cursor: str | None
    has_more: bool
    total_count: int | None = None  # only when asked: search_sessions(..., with_total=True)


@attrs.frozen
class RunPage:
    runs: list[Run]
    cursor: str | None
    has_more: bool


@attrs.frozen
class EventPage:
    events: list[Event]
    cursor: str | None
    has_more: bool


@attrs.frozen
class SessionStats:
    event_count: int
    run_count: int
    token_totals: dict[str, int | float]
    providers_used: list[str]
    first_event_at: datetime | None
    last_event_at: datetime | None
    status_counts: dict[str, int]


@attrs.frozen
class ProviderUsage:
    input_tokens: int | float
    output_tokens: int | float
    total_tokens: int | float
    run_count: int


@attrs.frozen
class UsageSummary:
    total_input_tokens: int | float
    total_output_tokens: int | float
    total_tokens: int | float
    run_count: int
    by_provider: dict[str, ProviderUsage]
