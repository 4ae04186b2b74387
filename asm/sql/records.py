"""`to_record`: a row a query function returned, as the asm record the store would return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from asm.drivers.dialects import DIALECTS
from asm.convert.rows import from_row
from asm.errors import ValidationError
from asm.records import Artifact, Event, Run, Session

R = TypeVar("R", Session, Run, Event, Artifact)

# The table a record class is stored in (named in the error for a row that no longer reads).
TABLES: dict[type, str] = {
    Session: "asm_sessions",
    Run: "asm_runs",
    Event: "asm_events",
    Artifact: "asm_artifacts",
}


def to_record(cls: type[R], row: Mapping[str, Any], *, dialect: str) -> R:
    """The `cls` record (asm.Session, Run, Event or Artifact) stored in `row`, a dict row of
    `dialect` ("postgres", "sqlite" or "mysql") as a query function returns it on a dict-row
    connection: `to_record(asm.Event, row, dialect="sqlite")`.

    Columns are decoded as the store decodes them (SQLite's timestamp text, MySQL's JSON text
    and UTC DATETIMEs, PostgreSQL's jsonb values); a column the row lacks takes the field's
    default. Raises ValidationError for another class, dialect or a row that is not a mapping,
    and StorageReadFailed (naming table, id and column) for a value that does not decode.
    """
    table = TABLES.get(cls)
    if table is None:
        raise ValidationError(f"to_record makes Session, Run, Event or Artifact records, not {cls!r}",
                              details={"field": "cls"})
    if dialect not in DIALECTS:
        raise ValidationError(f"unknown dialect {dialect!r}: expected one of {', '.join(DIALECTS)}",
                              details={"field": "dialect"})
    if not isinstance(row, Mapping):
        raise ValidationError(f"a row must be a mapping of column names to values (a dict-row connection), "
                              f"not {type(row).__name__}", details={"field": "row"})
    return from_row(DIALECTS[dialect], cls, table, row if isinstance(row, dict) else dict(row))
