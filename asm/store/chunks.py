"""Splitting a batch's lists so every statement fits the server's size limit.

A batch sends its ids in one list parameter and its rows in one multi-row INSERT (PyMySQL
and aiomysql build those, splitting only at their own 1,024,000 bytes) or, on PostgreSQL, as
one array per column (`insert_columns`). MySQL refuses any statement over `max_allowed_packet`,
so these steps cut lists and rows into pieces under the limit, read once per store (query
get_max_packet). The pieces run one after another in the caller's operation, so in its one
transaction: a batch stays all-or-nothing.

Sizes are measured as MySQL's escaping writes them (quotes and backslashes doubled), which
is at least what any dialect sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from asm.core.database import Database
from asm.core.operation import Call, Steps
from asm.drivers.dialects import BinaryArray

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

# Room for a statement's own text around its list or rows (the longest is ~400 bytes).
_STATEMENT_TEXT = 1024
# PyMySQL and aiomysql cut a multi-row INSERT into statements of at most this many bytes
# (their max_stmt_length); psycopg and sqlite3 send one row per statement.
_DRIVER_STATEMENT_SPLIT = 1_024_000
# What PyMySQL escapes with a backslash.
_ESCAPED = ("\\", "'", '"', "\n", "\r", "\0", "\x1a")


def list_budget(db: Database) -> Steps[int]:
    """Steps: the bytes a list parameter or a run of rows may take in one statement."""
    if db.max_packet_bytes is None:
        # Once per store: each store has its own Database.
        db.max_packet_bytes = int((yield Call("get_max_packet", {})))
    packet = db.max_packet_bytes
    return max(packet - _STATEMENT_TEXT, packet // 2)


def quoted_bytes(text: str) -> int:
    """The bytes `text` takes as a quoted, escaped SQL string literal in UTF-8."""
    return len(text.encode()) + sum(map(text.count, _ESCAPED)) + 2


def id_chunks(ids: list[str], budget: int) -> Iterator[list[str]]:
    """`ids` in order, cut into lists whose JSON array text fits `budget` bytes (at least one each)."""
    # A character is at most 4 bytes of UTF-8, or 7 once JSON (\u001f) and SQL (\\) escape it.
    # Each id adds its two quotes (escaped) and a comma; the array its brackets and quotes.
    if 7 * sum(map(len, ids)) + 5 * len(ids) + 4 <= budget:
        yield ids
        return
    size = quoted_bytes(_dumps(ids))
    if size <= budget or len(ids) == 1:
        yield ids
        return
    # Ids are mostly alike in length: cut into as many parts as the size says, and cut again
    # any part that is still too big.
    parts = -(-size // budget)  # at least 2
    step = -(-len(ids) // parts)
    for start in range(0, len(ids), step):
        yield from id_chunks(ids[start:start + step], budget)


def row_chunks(rows: list[dict[str, Any]], budget: int,
               measure: Callable[[dict[str, Any]], int] | None = None) -> Iterator[list[dict[str, Any]]]:
    """`rows` in order, cut into runs whose VALUES lists (or the sizes `measure` gives) fit
    `budget` bytes (at least one row each)."""
    measure = measure or _row_bound
    start, used = 0, 0
    for i, row in enumerate(rows):
        size = measure(row)
        if used + size > budget and i > start:
            yield rows[start:i]
            start, used = i, 0
        used += size
    if start < len(rows):
        yield rows[start:]


def _row_bound(row: dict[str, Any]) -> int:
    # An upper bound, cheap enough for every row of a big batch: a character takes at most 4
    # bytes escaped; a number or NULL at most 20 characters; quotes, commas and parentheses.
    size = 2
    for value in row.values():
        size += 4 * len(value) + 3 if type(value) is str else 21
    return size


def _binary_row_bound(row: dict[str, Any]) -> int:
    # An upper bound of a row in binary arrays: per value its 4-byte length, then its bytes
    # (UTF-8 text: one a character when ASCII, which isascii() tells at once, at most 4 otherwise).
    size = 0
    for value in row.values():
        if type(value) is str:
            size += 4 + (len(value) if value.isascii() else 4 * len(value))
        else:
            size += 25
    return size


def rows_by_ids(db: Database, query: str, ids: list[str], **params: Any) -> Steps[list[dict[str, Any]]]:
    """Steps: the rows of `query` (taking the list parameter `ids`) for every id, piece by piece."""
    if not ids:
        return []
    budget = yield from list_budget(db)
    rows: list[dict[str, Any]] = []
    for chunk in id_chunks(ids, budget):
        rows += yield Call(query, {**params, "ids": db.dialect.encode_ids(chunk)})
    return rows


def count_by_ids(db: Database, query: str, ids: list[str], **params: Any) -> Steps[int]:
    """Steps: `query` (a write taking the list parameter `ids`) run piece by piece; the rows it changed."""
    if not ids:
        return 0
    budget = yield from list_budget(db)
    changed = 0
    for chunk in id_chunks(ids, budget):
        changed += (yield Call(query, {**params, "ids": db.dialect.encode_ids(chunk)})) or 0
    return changed


def insert_rows(db: Database, query: str, rows: list[dict[str, Any]]) -> Steps[None]:
    """Steps: the `*!` insert `query` of `rows`, in runs that fit one statement each."""
    if not rows:
        return
    budget = _DRIVER_STATEMENT_SPLIT if len(rows) == 1 else (yield from list_budget(db))
    if budget >= _DRIVER_STATEMENT_SPLIT:
        # The driver's own statements fit already: no need to measure every row.
        yield Call(query, rows)
        return
    for run in row_chunks(rows, budget):
        yield Call(query, run)


def insert_columns(db: Database, query: str, rows: list[dict[str, Any]], names: tuple[str, ...]) -> Steps[None]:
    """Steps: the insert `query` taking `rows` as one binary array per column `names` (PostgreSQL's
    `unnest`), one statement per piece that fits the limit (fewer statements than executemany's
    one per row: a statement trigger fires once per piece)."""
    if not rows:
        return
    whole = columns_of(rows, names)
    # One row goes in one statement whatever the limit: no need to read it.
    budget = None if len(rows) == 1 else (yield from list_budget(db))
    if budget is None or _columns_bound(whole, len(rows)) <= budget:
        yield Call(query, whole)
        return
    # Maybe too big (PostgreSQL: over 64 MiB): cut by each row's binary size.
    for run in row_chunks(rows, budget, _binary_row_bound):
        yield Call(query, columns_of(run, names))


def columns_of(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, BinaryArray]:
    """The values of `rows` as one array per column."""
    return {name: BinaryArray([row[name] for row in rows]) for name in names}


def _columns_bound(columns: dict[str, BinaryArray], count: int) -> int:
    # _row_bound of `count` rows (at least _binary_row_bound) summed a column at a time, the
    # texts' lengths at C speed.
    size = 2 * count
    for values in columns.values():
        texts = [value for value in values if type(value) is str]
        size += 4 * sum(map(len, texts)) + 3 * len(texts) + 21 * (count - len(texts))
    return size
