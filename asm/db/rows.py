"""Records <-> query parameters and result rows, for any dialect.

Column names are the record field names, so one mapping serves every table.
"""

from __future__ import annotations

from typing import Any, TypeVar

from asm.convert import field_kinds, record_from_dict, record_to_dict
from asm.db.dialects import Dialect
from asm.errors import AsmError, StorageReadFailed

T = TypeVar("T")


def to_params(dialect: Dialect, record: Any) -> dict[str, Any]:
    """Query parameters for a record: payloads checked and encoded, timestamps in wire form."""
    values = record_to_dict(record)
    for name, kind, _required in field_kinds(type(record)):
        if kind == "json":
            values[name] = dialect.encode_json(values[name])
        elif kind == "datetime":
            values[name] = dialect.encode_ts(values[name])
    return values


def from_row(dialect: Dialect, cls: type[T], table: str, row: dict[str, Any]) -> T:
    """The record stored in `row`; a value that no longer decodes names its table, id and column."""
    values = {}
    column = None
    try:
        for column, kind, _required in field_kinds(cls):
            if column not in row:
                continue
            value = row[column]
            if kind == "json":
                value = dialect.decode_json(value)
            elif kind == "datetime":
                value = dialect.decode_ts(value)
            values[column] = value
        column = None
        return record_from_dict(cls, values)
    except (AsmError, ValueError, TypeError) as exc:
        if column is None and isinstance(exc, AsmError):
            column = exc.details.get("field")
        raise StorageReadFailed(
            f"stored {table} row {row.get('id')!r} has an unreadable {column or 'value'}: {exc}",
            details={"table": table, "id": row.get("id"), "column": column},
        ) from exc
