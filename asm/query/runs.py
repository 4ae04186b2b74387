"""QueryAPI over runs: search with keyset pages, and token usage aggregated in SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from asm.arguments import EnumFilter, enum_list, optional_count, optional_datetime, optional_id
from asm.cursors import token_key
from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import from_row
from asm.enums import RunStatus
from asm.query.paging import Row, after, check_limit, check_order, number, page
from asm.query.records import ProviderUsage, RunPage, UsageSummary
from asm.records import Run

_ORDERS = {
    "started_at_desc": "search_runs_started_desc",
    "started_at_asc": "search_runs_started_asc",
    "token_usage_desc": "search_runs_tokens_desc",
}


@operation()
def search_runs(
    db: Database, *, session_id: str | None = None, provider: str | None = None,
    status: EnumFilter[RunStatus] = None,
    started_after: datetime | None = None, started_before: datetime | None = None,
    min_tokens: int | None = None, order_by: str = "started_at_desc", limit: int = 50,
    cursor: str | None = None,
) -> Steps[RunPage]:
    """Runs matching every given filter; min_tokens bounds token_usage.total_tokens."""
    query = check_order(order_by, _ORDERS)
    limit = check_limit(limit)
    statuses = enum_list(RunStatus, status, "status")
    params = {
        "session_id": optional_id(session_id, "session_id"),
        "provider": optional_id(provider, "provider"),
        "statuses": None if statuses is None else db.dialect.encode_list([s.value for s in statuses]),
        "started_after": db.dialect.encode_ts(optional_datetime(started_after, "started_after")),
        "started_before": db.dialect.encode_ts(optional_datetime(started_before, "started_before")),
        "min_tokens": optional_count(min_tokens, "min_tokens"),
        "limit": limit + 1,
    }
    name = f"runs:{order_by}"
    # The cursor is bound to the filters (the parameters so far, but the page size).
    filters = {k: v for k, v in params.items() if k != "limit"}
    key: Callable[[Row], tuple[Any, ...]]
    if order_by == "token_usage_desc":
        # The token sort key is a JSON number in the cursor: a 64-bit int or a finite float.
        params["after_tokens"], params["after_id"] = after(db, cursor, name, ("tokens", "id"), filters)
        key = lambda row: (token_key(number(row["sort_tokens"])), row["id"])  # noqa: E731
    else:
        after_at, params["after_id"] = after(db, cursor, name, ("timestamp", "id"), filters)
        params["after_at"] = db.dialect.encode_ts(after_at)
        key = lambda row: (db.dialect.decode_ts(row["started_at"]), row["id"])  # noqa: E731
    rows = yield Call(query, params)
    runs, next_cursor, has_more = page(db, rows, limit, name,
                                       lambda row: from_row(db.dialect, Run, "asm_runs", row), key, filters)
    return RunPage(runs=runs, cursor=next_cursor, has_more=has_more)


@operation()
def get_usage_summary(
    db: Database, *, session_id: str | None = None, agent_id: str | None = None,
    provider: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> Steps[UsageSummary]:
    """Token usage of the matching runs, in total and per provider ("unknown" for none)."""
    rows = yield Call("usage_by_provider", {
        "session_id": optional_id(session_id, "session_id"),
        "agent_id": optional_id(agent_id, "agent_id"),
        "provider": optional_id(provider, "provider"),
        "since": db.dialect.encode_ts(optional_datetime(since, "since")),
        "until": db.dialect.encode_ts(optional_datetime(until, "until")),
    })
    by_provider = {
        row["provider"]: ProviderUsage(
            input_tokens=number(row["input_tokens"]), output_tokens=number(row["output_tokens"]),
            total_tokens=number(row["total_tokens"]), run_count=int(row["run_count"]))
        for row in rows
    }
    usages = by_provider.values()
    return UsageSummary(
        total_input_tokens=number(sum(u.input_tokens for u in usages)),
        total_output_tokens=number(sum(u.output_tokens for u in usages)),
        total_tokens=number(sum(u.total_tokens for u in usages)),
        run_count=sum(u.run_count for u in usages),
        by_provider=by_provider,
    )
