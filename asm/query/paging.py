"""Keyset paging and filter arguments shared by the searches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar

from asm.arguments import page_limit, require_id
from asm.cursors import decode_cursor, encode_cursor, store_secret
from asm.core.database import Database
from asm.errors import ValidationError

T = TypeVar("T")
V = TypeVar("V")
# A result row as the driver returns it.
Row: TypeAlias = dict[str, Any]
# What `id_list` takes: one id or a collection of them.
IdFilter: TypeAlias = str | Sequence[str] | AbstractSet[str] | None


def check_limit(limit: Any) -> int:
    return page_limit(limit, "limit")


def check_order(order_by: Any, orders: dict[str, V]) -> V:
    if order_by not in orders:
        raise ValidationError(f"order_by must be one of {', '.join(orders)}, not {order_by!r}",
                              details={"field": "order_by"})
    return orders[order_by]


def after(db: Database, cursor: str | None, query: str, kinds: tuple[str, ...],
          filters: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """The sort key the page starts after (all None for the first page); `kinds` name the
    key's values for asm.cursors ("timestamp", "id", "sequence", "tokens"). A cursor made
    with other `filters` (the search's filter parameters) is InvalidCursor."""
    if cursor is None:
        return (None,) * len(kinds)
    return decode_cursor(cursor, query, kinds, store_secret(db), filters)


def page(db: Database, rows: list[Row], limit: int, query: str, decode: Callable[[Row], T],
         key: Callable[[Row], tuple[Any, ...]],
         filters: dict[str, Any] | None = None) -> tuple[list[T], str | None, bool]:
    """(items, cursor, has_more) from `limit + 1` fetched rows; `key(row)` is the sort key;
    the cursor is bound to `filters` (see `after`)."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(query, key(rows[-1]), store_secret(db), filters) if has_more else None
    return [decode(row) for row in rows], cursor, has_more


def record_page(db: Database, records: list[T], limit: int, query: str,
                key: Callable[[T], tuple[Any, ...]],
                filters: dict[str, Any] | None = None) -> tuple[list[T], str | None, bool]:
    """`page` for rows already read into records (a `Call(..., tuples=True)`)."""
    has_more = len(records) > limit
    del records[limit:]
    cursor = encode_cursor(query, key(records[-1]), store_secret(db), filters) if has_more else None
    return records, cursor, has_more


def id_list(value: Any, name: str) -> list[str] | None:
    """One id or a list of ids; None and [] mean "no filter"."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise ValidationError(f"{name} must be a string or a list of strings", details={"field": name})
    return [require_id(v, name) for v in values] or None


def number(value: Any) -> int | float:
    """A token sum as every dialect reports it the same: int when whole, else float; NULL is 0."""
    if value is None:
        return 0
    if isinstance(value, (Decimal, float)):
        return int(value) if value == int(value) else float(value)
    return int(value)
