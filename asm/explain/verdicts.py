"""What a plan reads: accesses per table (index range, index walk, full scan), sorts and rows
read, with a one-line verdict; the same shape on every dialect."""

from __future__ import annotations

import attrs

FULL_SCAN, INDEX_WALK, INDEX_RANGE = "full scan", "index walk", "index range"


@attrs.frozen
class Access:
    table: str
    kind: str  # FULL_SCAN, INDEX_WALK (a whole index in its order, stopping at a LIMIT), INDEX_RANGE
    index: str | None = None
    index_only: bool = False
    rows: float | None = None  # rows read from the table (actual when analyzed, else the planner's guess)

    def __str__(self) -> str:
        kind = ("index-only " + self.kind.removeprefix("index ")) if self.index_only else self.kind
        return f"{kind} {self.table}" + (f" ({self.index})" if self.index else "")


@attrs.frozen
class Plan:
    accesses: tuple[Access, ...]
    sorts: tuple[float | None, ...]  # rows sorted (None: not reported)
    rows_read: float | None  # total over the table accesses; None where the dialect does not count
    analyzed: bool  # rows are actual (EXPLAIN ANALYZE), else estimates
    lines: tuple[str, ...]  # the plan for people
    generic: bool = False
    note: str = ""

    @property
    def verdict(self) -> str:
        parts = [str(a) for a in self.accesses]
        for rows in self.sorts:
            parts.append("sort" + ("" if rows is None else f" {rows:,.0f} rows"))
        return "; ".join(parts) or "no table read"

    def scans(self, min_rows: float = 1_000) -> list[Access]:
        """Accesses whose cost grows with their table: full scans, and index walks that read
        more than min_rows (a walk under a LIMIT that fills its page at once reads few)."""
        return [a for a in self.accesses
                if a.kind == FULL_SCAN or (a.kind == INDEX_WALK and (a.rows is None or a.rows > min_rows))]
